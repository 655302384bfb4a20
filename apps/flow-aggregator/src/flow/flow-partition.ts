import {
  CandleBuilder,
  FlowAggregator,
  FlowWindowAccumulator,
  IndicatorCalculator,
  type CandleBuilderState,
  type FlowAggregatorState,
  type FlowCoinSettings,
  type FlowWindowRef,
  type FlowWindowState,
  type IndicatorCalculatorState,
} from '@mdp/domain-flow';
import type { CandleMessage, FlowWindow, LiquidationMessage, Timeframe, TradeMessage } from '@mdp/schemas';
import { RecentEventIds, type RecentEventIdsState } from './recent-event.ids';

/** Everything one partition holds, as plain data: the state part of its checkpoint. */
export interface FlowPartitionState {
  flow: FlowAggregatorState;
  candles: CandleBuilderState;
  /** [symbol, price, ts] */
  lastPrices: Array<[string, number, number]>;
  /** [`<timeframe>|<symbol>`, state] */
  indicators: Array<[string, IndicatorCalculatorState]>;
  /** Closed windows whose final snapshot is not written yet: [coin, window, state]. */
  pendingFinal: Array<[string, FlowWindow, FlowWindowState]>;
  /** Closed candles not written and published yet. */
  pendingCandles: CandleMessage[];
  changedSymbols: string[];
  recentTrades: RecentEventIdsState | null;
  recentLiquidations: RecentEventIdsState | null;
}

/** The flow aggregator's part of a partition checkpoint (docs/flow-aggregator.md, Scaling). */
export interface FlowCheckpointBody {
  /**
   * The watermark at the checkpoint's stream positions: the latest event time of every event (of
   * every partition) read up to them. A new holder closes the partition's windows from here on.
   */
  watermark: number;
  state: FlowPartitionState;
}

export interface FlowPartitionOptions {
  /** The flow coins of this partition (those whose partition is its index). */
  coins: ReadonlyMap<string, FlowCoinSettings>;
  windows: readonly FlowWindow[];
  timeframes: readonly Timeframe[];
  graceMs: number;
  /** Ids remembered per venue and instrument (0: no deduplication). */
  dedupCapacity: number;
}

/**
 * The aggregation state of one partition (the coins and symbols `shardOf(base, FLOW_PARTITIONS)`
 * puts in it): flow windows of its coins, candles, last prices and indicators of its symbols, the
 * closed windows and candles waiting to be written, and the deduplication ids of its instruments.
 * A replica holds some partitions; a partition moves between replicas with its checkpoint
 * (`toState` / `restore`), and a restored partition behaves exactly as the one captured.
 */
export class FlowPartition {
  readonly flow: FlowAggregator;
  readonly candles: CandleBuilder;
  readonly indicators = new Map<string, IndicatorCalculator>();
  readonly lastPrices = new Map<string, { price: number; ts: number }>();
  readonly recentTrades: RecentEventIds | null;
  readonly recentLiquidations: RecentEventIds | null;
  changedSymbols = new Set<string>();
  /** Closed windows waiting for their final snapshot, oldest first. */
  pendingFinal: FlowWindowRef[] = [];
  /** Closed candles waiting to be written and published. */
  pendingCandles: CandleMessage[] = [];
  /** Per stream: events of entries up to this id are in the state already (restored or caught up); skipped when redelivered. */
  readonly skipUpTo = new Map<string, string>();
  /**
   * The watermark this state has reached on its own (its checkpoint's, then its catch-up's): its
   * windows close at the larger of this and the replica's watermark.
   */
  floor = 0;
  /** Changed since the last checkpoint. */
  changed = false;
  /** Being handed to another replica: its open windows are no longer written here. */
  releasing = false;

  constructor(
    readonly index: number,
    options: FlowPartitionOptions,
  ) {
    this.flow = new FlowAggregator({
      coins: options.coins,
      windows: options.windows,
      gracePeriodMs: options.graceMs,
    });
    this.candles = new CandleBuilder(options.timeframes, options.graceMs);
    this.recentTrades = options.dedupCapacity > 0 ? new RecentEventIds(options.dedupCapacity) : null;
    this.recentLiquidations = options.dedupCapacity > 0 ? new RecentEventIds(options.dedupCapacity) : null;
  }

  /** Adds a trade to the windows, candles and last price of its coin; false when it is a repeat (not counted). */
  addTrade(trade: TradeMessage): boolean {
    if (this.recentTrades && !this.recentTrades.add(trade.exchange, trade.venueSymbol, trade.tradeId))
      return false;
    const symbol = trade.base;
    this.flow.addTrade(symbol, trade.price, trade.size, trade.notionalUsd, trade.side, trade.ts);
    this.candles.addTrade(symbol, trade.price, trade.size, trade.notionalUsd, trade.ts);
    const last = this.lastPrices.get(symbol);
    if (!last) {
      this.lastPrices.set(symbol, { price: trade.price, ts: trade.ts });
      this.changedSymbols.add(symbol);
    } else if (trade.ts >= last.ts) {
      last.price = trade.price;
      last.ts = trade.ts;
      this.changedSymbols.add(symbol);
    }
    this.changed = true;
    return true;
  }

  /** Adds a liquidation to the windows of its coin; 'duplicate' for a repeat, 'ignored' when no window took it. */
  addLiquidation(liquidation: LiquidationMessage): 'aggregated' | 'duplicate' | 'ignored' {
    if (
      this.recentLiquidations &&
      !this.recentLiquidations.add(liquidation.exchange, liquidation.venueSymbol, liquidation.eventId)
    )
      return 'duplicate';
    this.changed = true;
    return this.flow.addLiquidation(
      liquidation.base,
      liquidation.price,
      liquidation.size,
      liquidation.positionSide,
      liquidation.ts,
    )
      ? 'aggregated'
      : 'ignored';
  }

  /** Closes the windows and candles that end (with grace) by `now`, queueing them for writing; true when any closed. */
  advanceTo(now: number): boolean {
    const windows = this.flow.advanceTo(now);
    const candles = this.candles.advanceTo(now);
    if (windows.length === 0 && candles.length === 0) return false;
    for (const ref of windows) this.pendingFinal.push(ref);
    for (const candle of candles) this.pendingCandles.push(candle);
    this.changed = true;
    return true;
  }

  /** The indicator calculator of a symbol's candles of one timeframe (created on first use). */
  indicatorOf(timeframe: Timeframe, symbol: string): IndicatorCalculator {
    const key = `${timeframe}|${symbol}`;
    let calculator = this.indicators.get(key);
    if (!calculator) {
      calculator = new IndicatorCalculator();
      this.indicators.set(key, calculator);
    }
    return calculator;
  }

  /** The whole state as plain data (copies: later events do not change it). */
  toState(): FlowPartitionState {
    const lastPrices: FlowPartitionState['lastPrices'] = [];
    for (const [symbol, last] of this.lastPrices) lastPrices.push([symbol, last.price, last.ts]);
    const indicators: FlowPartitionState['indicators'] = [];
    for (const [key, calculator] of this.indicators) indicators.push([key, calculator.toState()]);
    return {
      flow: this.flow.toState(),
      candles: this.candles.toState(),
      lastPrices,
      indicators,
      pendingFinal: this.pendingFinal.map((ref) => [ref.coin, ref.window, ref.accumulator.toState()]),
      pendingCandles: this.pendingCandles.slice(),
      changedSymbols: [...this.changedSymbols],
      recentTrades: this.recentTrades?.toState() ?? null,
      recentLiquidations: this.recentLiquidations?.toState() ?? null,
    };
  }

  /**
   * Replaces the state of a fresh partition with `state` (from toState). Returns the `coin:window`
   * of saved windows no longer configured (left out).
   */
  restore(state: FlowPartitionState): string[] {
    const ignored = this.flow.restoreState(state.flow);
    this.candles.restoreState(state.candles);
    this.lastPrices.clear();
    for (const [symbol, price, ts] of state.lastPrices) this.lastPrices.set(symbol, { price, ts });
    this.indicators.clear();
    for (const [key, calculator] of state.indicators)
      this.indicators.set(key, IndicatorCalculator.fromState(calculator));
    this.pendingFinal = state.pendingFinal.map(([coin, window, accumulator]) => ({
      coin,
      window,
      accumulator: FlowWindowAccumulator.fromState(accumulator),
    }));
    this.pendingCandles = state.pendingCandles.slice();
    this.changedSymbols = new Set(state.changedSymbols);
    if (this.recentTrades && state.recentTrades) this.recentTrades.restoreState(state.recentTrades);
    if (this.recentLiquidations && state.recentLiquidations)
      this.recentLiquidations.restoreState(state.recentLiquidations);
    return ignored;
  }
}
