import type { FlowWindow, PositionSide, Side } from '@mdp/schemas';
import { FlowWindowAccumulator, type FlowWindowState } from './flow-window.accumulator';
import { FLOW_TIME_SERIES_STEP_MS, FLOW_WINDOW_MS, periodStart } from './flow-window.constant';

/** Per-coin settings: price bucket of a node and the notional that makes a trade a whale's. */
export interface FlowCoinSettings {
  bucketSize: number;
  whaleNotionalUsd: number;
}

export interface FlowAggregatorOptions {
  coins: ReadonlyMap<string, FlowCoinSettings>;
  windows: readonly FlowWindow[];
  /** An event may arrive this long (ms, by event time) after its window ended and still count. */
  gracePeriodMs: number;
}

/** A window of one coin: its accumulator and where it belongs. */
export interface FlowWindowRef {
  coin: string;
  window: FlowWindow;
  accumulator: FlowWindowAccumulator;
}

/** A FlowAggregator's state as plain data, for a checkpoint (see toState / restoreState). */
export interface FlowAggregatorState {
  lateDropped: number;
  watermark: number;
  slots: Array<{ coin: string; window: FlowWindow; closedBefore: number; open: FlowWindowState[] }>;
}

interface WindowSlot {
  coin: string;
  window: FlowWindow;
  settings: FlowCoinSettings;
  open: Map<number, FlowWindowAccumulator>;
  /** Every window starting before this has been closed; its late events are dropped. */
  closedBefore: number;
  lengthMs: number;
  /** The window the last event went to (most events go to the same one). */
  last: FlowWindowAccumulator | null;
}

/**
 * Aggregates trades and liquidations of the configured coins into every window, aligned to
 * wall-clock boundaries by event time. A window [start, end) stays open until the clock given to
 * `advanceTo` reaches end + grace; events for it that arrive before then still count, later ones
 * are counted in `lateDropped` and ignored. Events of coins not configured are ignored.
 */
export class FlowAggregator {
  private readonly slots = new Map<string, WindowSlot[]>();
  /** Events whose window had already closed. */
  lateDropped = 0;
  /** Latest event time seen (epoch ms). */
  watermark = 0;

  constructor(private readonly options: FlowAggregatorOptions) {
    for (const [coin, settings] of options.coins) {
      this.slots.set(
        coin,
        options.windows.map((window) => ({
          coin,
          window,
          settings,
          open: new Map(),
          closedBefore: 0,
          lengthMs: FLOW_WINDOW_MS[window],
          last: null,
        })),
      );
    }
  }

  /** A copy of the whole state as plain data. */
  toState(): FlowAggregatorState {
    const slots: FlowAggregatorState['slots'] = [];
    for (const coinSlots of this.slots.values()) {
      for (const slot of coinSlots) {
        const open: FlowWindowState[] = [];
        for (const accumulator of slot.open.values()) open.push(accumulator.toState());
        slots.push({ coin: slot.coin, window: slot.window, closedBefore: slot.closedBefore, open });
      }
    }
    return { lateDropped: this.lateDropped, watermark: this.watermark, slots };
  }

  /**
   * Replaces the state of a freshly built aggregator with `state` (from toState): it then behaves
   * exactly as the one that produced it. Coins and windows of `state` that are not configured here
   * are left out; they are returned as `coin:window`.
   */
  restoreState(state: FlowAggregatorState): string[] {
    this.lateDropped = state.lateDropped;
    this.watermark = state.watermark;
    const ignored: string[] = [];
    for (const saved of state.slots) {
      const slot = this.slots.get(saved.coin)?.find((candidate) => candidate.window === saved.window);
      if (!slot) {
        ignored.push(`${saved.coin}:${saved.window}`);
        continue;
      }
      slot.closedBefore = saved.closedBefore;
      slot.open.clear();
      slot.last = null;
      for (const open of saved.open) slot.open.set(open.start, FlowWindowAccumulator.fromState(open));
    }
    return ignored;
  }

  get coins(): string[] {
    return [...this.slots.keys()];
  }

  handlesCoin(coin: string): boolean {
    return this.slots.has(coin);
  }

  addTrade(coin: string, price: number, size: number, notionalUsd: number, side: Side, ts: number): boolean {
    const slots = this.slots.get(coin);
    if (!slots) return false;
    if (ts > this.watermark) this.watermark = ts;
    let counted = false;
    for (const slot of slots) {
      const accumulator = this.accumulatorFor(slot, ts);
      if (accumulator) {
        accumulator.addTrade(price, size, notionalUsd, side, ts);
        counted = true;
      }
    }
    return counted;
  }

  addLiquidation(coin: string, price: number, size: number, positionSide: PositionSide, ts: number): boolean {
    const slots = this.slots.get(coin);
    if (!slots) return false;
    if (ts > this.watermark) this.watermark = ts;
    let counted = false;
    for (const slot of slots) {
      const accumulator = this.accumulatorFor(slot, ts);
      if (accumulator) {
        accumulator.addLiquidation(price, size, positionSide, ts);
        counted = true;
      }
    }
    return counted;
  }

  /** Closes every window whose end + grace is at or before `now`; returns them, oldest first. */
  advanceTo(now: number): FlowWindowRef[] {
    const closed: FlowWindowRef[] = [];
    for (const slots of this.slots.values()) {
      for (const slot of slots) {
        for (const [start, accumulator] of slot.open) {
          if (accumulator.end + this.options.gracePeriodMs <= now) {
            slot.open.delete(start);
            if (slot.last === accumulator) slot.last = null;
            if (accumulator.end > slot.closedBefore) slot.closedBefore = accumulator.end;
            closed.push({ coin: slot.coin, window: slot.window, accumulator });
          }
        }
        // Windows that saw no event are closed too, so a late event cannot reopen them.
        const lengthMs = FLOW_WINDOW_MS[slot.window];
        const horizon = periodStart(now - this.options.gracePeriodMs, lengthMs);
        if (horizon > slot.closedBefore) slot.closedBefore = horizon;
      }
    }
    return closed.sort((a, b) => a.accumulator.start - b.accumulator.start);
  }

  /** Every open window (all coins and windows). */
  openWindows(): FlowWindowRef[] {
    const open: FlowWindowRef[] = [];
    for (const slots of this.slots.values()) {
      for (const slot of slots) {
        for (const accumulator of slot.open.values())
          open.push({ coin: slot.coin, window: slot.window, accumulator });
      }
    }
    return open;
  }

  /** The open window of `coin` and `window` holding `ts`, if any. */
  windowAt(coin: string, window: FlowWindow, ts: number): FlowWindowAccumulator | undefined {
    const slot = this.slots.get(coin)?.find((candidate) => candidate.window === window);
    return slot?.open.get(periodStart(ts, FLOW_WINDOW_MS[window]));
  }

  private accumulatorFor(slot: WindowSlot, ts: number): FlowWindowAccumulator | null {
    const last = slot.last;
    if (last && ts >= last.start && ts < last.start + slot.lengthMs) return last;
    const lengthMs = slot.lengthMs;
    const start = periodStart(ts, lengthMs);
    let accumulator = slot.open.get(start);
    if (accumulator) {
      slot.last = accumulator;
      return accumulator;
    }
    if (start < slot.closedBefore) {
      this.lateDropped += 1;
      return null;
    }
    accumulator = new FlowWindowAccumulator(
      start,
      lengthMs,
      FLOW_TIME_SERIES_STEP_MS[slot.window],
      slot.settings.bucketSize,
      slot.settings.whaleNotionalUsd,
    );
    slot.open.set(start, accumulator);
    slot.last = accumulator;
    return accumulator;
  }
}
