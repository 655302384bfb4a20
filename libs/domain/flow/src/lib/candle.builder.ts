import type { CandleMessage, Timeframe } from '@mdp/schemas';
import { TIMEFRAME_MS, periodStart } from './flow-window.constant';

/** One open candle, as plain data. */
export interface CandleState {
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

/** A CandleBuilder's state as plain data, for a checkpoint (see toState / restoreState). */
export interface CandleBuilderState {
  closedUpTo: number;
  lateDropped: number;
  symbols: Array<{
    symbol: string;
    slots: Array<{ timeframe: Timeframe; closedBefore: number; open: CandleState[] }>;
  }>;
}

interface CandleSlot {
  timeframe: Timeframe;
  lengthMs: number;
  open: Map<number, CandleState>;
  closedBefore: number;
  /** The candle the last trade went to (most trades go to the same one). */
  last: CandleState | null;
}

/**
 * OHLCV candles per symbol and timeframe from trades of every venue (`exchange: 'all'`), aligned
 * to wall-clock boundaries by event time. Open is the price of the earliest trade by event time,
 * close of the latest (ties: the one that arrived last). A candle closes when `advanceTo` reaches
 * its end + grace; trades for it arriving later are counted in `lateDropped`.
 */
export class CandleBuilder {
  private readonly slots = new Map<string, CandleSlot[]>();
  /** The latest time given to advanceTo: a symbol seen for the first time later cannot open a candle already past. */
  private closedUpTo = 0;
  lateDropped = 0;

  constructor(
    readonly timeframes: readonly Timeframe[],
    private readonly gracePeriodMs: number,
  ) {}

  /** A copy of the whole state as plain data. */
  toState(): CandleBuilderState {
    const symbols: CandleBuilderState['symbols'] = [];
    for (const [symbol, slots] of this.slots) {
      symbols.push({
        symbol,
        slots: slots.map((slot) => ({
          timeframe: slot.timeframe,
          closedBefore: slot.closedBefore,
          open: [...slot.open.values()].map((candle) => Object.assign({}, candle)),
        })),
      });
    }
    return { closedUpTo: this.closedUpTo, lateDropped: this.lateDropped, symbols };
  }

  /**
   * Replaces the state of a freshly built builder with `state` (from toState): it then behaves
   * exactly as the one that produced it. Timeframes not configured here are left out.
   */
  restoreState(state: CandleBuilderState): void {
    this.closedUpTo = state.closedUpTo;
    this.lateDropped = state.lateDropped;
    this.slots.clear();
    for (const saved of state.symbols) {
      const slots = this.newSlots();
      for (const slot of slots) {
        const match = saved.slots.find((candidate) => candidate.timeframe === slot.timeframe);
        if (!match) continue;
        slot.closedBefore = match.closedBefore;
        for (const candle of match.open) slot.open.set(candle.openTime, Object.assign({}, candle));
      }
      this.slots.set(saved.symbol, slots);
    }
  }

  addTrade(symbol: string, price: number, size: number, notionalUsd: number, ts: number): void {
    let slots = this.slots.get(symbol);
    if (!slots) {
      slots = this.newSlots();
      this.slots.set(symbol, slots);
    }
    for (const slot of slots) {
      let candle = slot.last;
      if (!candle || ts < candle.openTime || ts >= candle.openTime + slot.lengthMs) {
        const openTime = periodStart(ts, slot.lengthMs);
        candle = slot.open.get(openTime) ?? null;
        if (!candle) {
          if (openTime < slot.closedBefore) {
            this.lateDropped += 1;
            continue;
          }
          candle = {
            symbol,
            timeframe: slot.timeframe,
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
        slot.last = candle;
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
    if (now > this.closedUpTo) this.closedUpTo = now;
    for (const slots of this.slots.values()) {
      for (const slot of slots) {
        for (const [openTime, candle] of slot.open) {
          const end = openTime + slot.lengthMs;
          if (end + this.gracePeriodMs <= now) {
            slot.open.delete(openTime);
            if (end > slot.closedBefore) slot.closedBefore = end;
            if (slot.last === candle) slot.last = null;
            closed.push(toMessage(candle, true));
          }
        }
        // Periods that saw no trade are closed too, so a late trade cannot open them.
        const horizon = periodStart(now - this.gracePeriodMs, slot.lengthMs);
        if (horizon > slot.closedBefore) slot.closedBefore = horizon;
      }
    }
    return closed.sort((a, b) => a.openTime - b.openTime || a.symbol.localeCompare(b.symbol));
  }

  private newSlots(): CandleSlot[] {
    return this.timeframes.map((timeframe) => ({
      timeframe,
      lengthMs: TIMEFRAME_MS[timeframe],
      open: new Map(),
      closedBefore:
        this.closedUpTo > 0 ? periodStart(this.closedUpTo - this.gracePeriodMs, TIMEFRAME_MS[timeframe]) : 0,
      last: null,
    }));
  }

  /** Open candles changed since the last call (closed: false), marked clean. */
  takeChanged(): CandleMessage[] {
    const changed: CandleMessage[] = [];
    for (const slots of this.slots.values()) {
      for (const slot of slots) {
        for (const candle of slot.open.values()) {
          if (!candle.dirty) continue;
          candle.dirty = false;
          changed.push(toMessage(candle, false));
        }
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
