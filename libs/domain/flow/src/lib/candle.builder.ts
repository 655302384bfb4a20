import type { CandleMessage, Timeframe } from '@mdp/schemas';
import { TIMEFRAME_MS, periodStart } from './flow-window.constant';

interface CandleState {
  symbol: string;
  timeframe: Timeframe;
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  openTs: number;
  closeTs: number;
  volume: number;
  notionalUsd: number;
  trades: number;
  dirty: boolean;
}

interface CandleSlot {
  open: Map<number, CandleState>;
  closedBefore: number;
}

/**
 * OHLCV candles per symbol and timeframe from trades of every venue (`exchange: 'all'`), aligned
 * to wall-clock boundaries by event time. Open is the price of the earliest trade by event time,
 * close of the latest (ties: the one that arrived last). A candle closes when `advanceTo` reaches
 * its end + grace; trades for it arriving later are counted in `lateDropped`.
 */
export class CandleBuilder {
  private readonly slots = new Map<string, CandleSlot>();
  lateDropped = 0;

  constructor(
    readonly timeframes: readonly Timeframe[],
    private readonly gracePeriodMs: number,
  ) {}

  addTrade(symbol: string, price: number, size: number, notionalUsd: number, ts: number): void {
    for (const timeframe of this.timeframes) {
      const key = `${timeframe}|${symbol}`;
      let slot = this.slots.get(key);
      if (!slot) {
        slot = { open: new Map(), closedBefore: 0 };
        this.slots.set(key, slot);
      }
      const openTime = periodStart(ts, TIMEFRAME_MS[timeframe]);
      let candle = slot.open.get(openTime);
      if (!candle) {
        if (openTime < slot.closedBefore) {
          this.lateDropped += 1;
          continue;
        }
        candle = {
          symbol,
          timeframe,
          openTime,
          open: price,
          high: price,
          low: price,
          close: price,
          openTs: ts,
          closeTs: ts,
          volume: 0,
          notionalUsd: 0,
          trades: 0,
          dirty: true,
        };
        slot.open.set(openTime, candle);
      }
      if (price > candle.high) candle.high = price;
      if (price < candle.low) candle.low = price;
      if (ts < candle.openTs) {
        candle.openTs = ts;
        candle.open = price;
      }
      if (ts >= candle.closeTs) {
        candle.closeTs = ts;
        candle.close = price;
      }
      candle.volume += size;
      candle.notionalUsd += notionalUsd;
      candle.trades += 1;
      candle.dirty = true;
    }
  }

  /** Closes every candle whose end + grace is at or before `now`; returns them (closed: true), oldest first. */
  advanceTo(now: number): CandleMessage[] {
    const closed: CandleMessage[] = [];
    for (const slot of this.slots.values()) {
      for (const [openTime, candle] of slot.open) {
        const end = openTime + TIMEFRAME_MS[candle.timeframe];
        if (end + this.gracePeriodMs <= now) {
          slot.open.delete(openTime);
          if (end > slot.closedBefore) slot.closedBefore = end;
          closed.push(toMessage(candle, true));
        }
      }
    }
    return closed.sort((a, b) => a.openTime - b.openTime || a.symbol.localeCompare(b.symbol));
  }

  /** Open candles changed since the last call (closed: false), marked clean. */
  takeChanged(): CandleMessage[] {
    const changed: CandleMessage[] = [];
    for (const slot of this.slots.values()) {
      for (const candle of slot.open.values()) {
        if (!candle.dirty) continue;
        candle.dirty = false;
        changed.push(toMessage(candle, false));
      }
    }
    return changed;
  }
}

function toMessage(candle: CandleState, closed: boolean): CandleMessage {
  return {
    symbol: candle.symbol,
    exchange: 'all',
    timeframe: candle.timeframe,
    openTime: candle.openTime,
    open: candle.open,
    high: candle.high,
    low: candle.low,
    close: candle.close,
    volume: candle.volume,
    notionalUsd: candle.notionalUsd,
    trades: candle.trades,
    closed,
  };
}
