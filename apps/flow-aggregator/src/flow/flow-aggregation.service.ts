import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { Logger, RedisClient } from '@mdp/platform';
import {
  CandleStream,
  FlowSnapshotStream,
  type CandleMessage,
  type FlowWindow,
  type LiquidationMessage,
  type Timeframe,
  type TradeMessage,
} from '@mdp/schemas';
import {
  StreamAcknowledger,
  StreamPublisher,
  errorText,
  isRetryableRedisError,
  type StreamContext,
} from '@mdp/transport';
import {
  CandleBuilder,
  FlowAggregator,
  FlowWindowAccumulator,
  IndicatorCalculator,
  TIMEFRAME_MS,
  shardOf,
  type CandleBuilderState,
  type FlowAggregatorState,
  type FlowWindowRef,
  type FlowWindowState,
  type IndicatorCalculatorState,
  type IndicatorValues,
  type LiquidityNode,
} from '@mdp/domain-flow';
import {
  FlowCheckpointRepository,
  IndicatorRepository,
  LiquidityFlowRepository,
  LiveCandleRepository,
} from '@mdp/data-access-flow';
import { FlowAggregatorConfig } from '../flow-aggregator.config';
import { FLOW_TOKENS } from './flow-aggregator.tokens';
import { FlowSnapshotBuilder } from './flow-snapshot.builder';
import { flowSettingsFrom, type FlowSettings } from './flow-settings';
import { flowMetrics } from './flow.metrics';
import { RecentEventIds, type RecentEventIdsState } from './recent-event.ids';

/** A window closed by the watermark or the clock, waiting for its final snapshot to be written. */
interface PendingFinal {
  ref: FlowWindowRef;
}

/**
 * Build time (ms) a timer tick may spend on the open windows with a FLOW_PUBLISH_SPACING_MS (the
 * larger ones) beyond the first; the others wait for the next tick.
 */
const SPACED_BUILD_BUDGET_MS = 2;

/** Everything the aggregation holds, as plain data: what a checkpoint stores. */
export interface AggregationState {
  flow: FlowAggregatorState;
  candles: CandleBuilderState;
  watermark: number;
  /** [symbol, price, ts] */
  lastPrices: Array<[string, number, number]>;
  /** [`<timeframe>|<symbol>`, state] */
  indicators: Array<[string, IndicatorCalculatorState]>;
  pendingFinal: Array<[string, FlowWindow, FlowWindowState]>;
  pendingCandles: CandleMessage[];
  changedSymbols: string[];
  recentTrades: RecentEventIdsState | null;
  recentLiquidations: RecentEventIdsState | null;
}

/**
 * The aggregator's state and its writes. Trades and liquidations of the symbols this replica owns
 * go into the flow windows and candles in memory (idempotent handlers: nothing here throws on a
 * message, so a batch is never redelivered and counted twice by this process). Windows and candles
 * close when the event-time watermark (or the wall clock) passes their end + grace: final snapshots,
 * closed candles and indicators are written right after the batch that closed them; an open window
 * that changed within FLOW_PUBLISH_INTERVAL_MS (10 ms), or, for the larger windows, once its
 * FLOW_PUBLISH_SPACING_MS passed since its last write; live candles every CANDLE_FLUSH_INTERVAL_MS.
 * A failed write stays queued and is retried on the next tick.
 *
 * Nothing is lost or counted twice when the process dies (kill -9): the handlers acknowledge late
 * (`ack: 'deferred'`). Every FLOW_CHECKPOINT_INTERVAL_MS (and at shutdown) the whole state is
 * captured synchronously with the ids of the stream entries it covers that are not acknowledged
 * yet, written to one key per shard, and only then are those entries acknowledged. On start the
 * checkpoint is restored and the entries it covers are acknowledged (their events are in it); the
 * transport then hands over, before any new entry, the ones the dead process had read since
 * (single-consumer group), so each event is counted exactly once. See docs/flow-aggregator.md.
 */
@Injectable()
export class FlowAggregationService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  readonly settings: FlowSettings;
  readonly flow: FlowAggregator;
  readonly candles: CandleBuilder;
  private readonly snapshots: LiquidityFlowRepository;
  private readonly liveCandles: LiveCandleRepository;
  private readonly indicatorStore: IndicatorRepository;
  private readonly builder: FlowSnapshotBuilder;
  readonly publisher: StreamPublisher;
  private readonly indicators = new Map<string, IndicatorCalculator>();
  private readonly lastPrices = new Map<string, { price: number; ts: number }>();
  private readonly ownership = new Map<string, boolean>();
  /** Ids of recent trades and liquidations per venue and symbol: a redelivered or twice-written event counts once. */
  private readonly recentTrades: RecentEventIds | null;
  private readonly recentLiquidations: RecentEventIds | null;
  private changedSymbols = new Set<string>();
  private pendingFinal: PendingFinal[] = [];
  private pendingCandles: CandleMessage[] = [];
  private watermark = 0;
  private timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private readonly checkpoints: FlowCheckpointRepository;
  private readonly acknowledger: StreamAcknowledger;
  /** Per stream, ids of entries handled (their events are in the state) and not acknowledged yet. */
  private unacked = new Map<string, string[]>();
  /** Per stream, ids of entries the restored checkpoint covers: redelivered, their events are skipped. */
  private restoredCovered = new Map<string, Set<string>>();
  private restoring: Promise<void> | null = null;
  /** False until the checkpoint is restored: no checkpoint may overwrite it with a partial state before. */
  private restored = false;
  private checkpointing: Promise<void> | null = null;
  /** The open-window write in progress (one at a time). */
  private publishing: Promise<void> | null = null;
  /** When each open window was last written, for FLOW_PUBLISH_SPACING_MS. */
  private readonly lastWritten = new WeakMap<FlowWindowAccumulator, number>();
  /** Bumped by every change of the state; a checkpoint is skipped when nothing changed and nothing waits for an ack. */
  private stateVersion = 0;
  private checkpointedVersion = 0;
  /** Size and time of the last checkpoint written. */
  lastCheckpoint: { bytes: number; encodeMs: number; storeMs: number } | null = null;

  constructor(
    private readonly config: FlowAggregatorConfig,
    @Inject(FLOW_TOKENS.redis) private readonly redis: RedisClient,
    @Inject(FLOW_TOKENS.logger) private readonly logger: Logger,
  ) {
    this.settings = flowSettingsFrom(config);
    this.recentTrades =
      config.FLOW_DEDUP_CAPACITY > 0 ? new RecentEventIds(config.FLOW_DEDUP_CAPACITY) : null;
    this.recentLiquidations =
      config.FLOW_DEDUP_CAPACITY > 0 ? new RecentEventIds(config.FLOW_DEDUP_CAPACITY) : null;
    this.flow = new FlowAggregator({
      coins: this.settings.coins,
      windows: this.settings.windows,
      gracePeriodMs: config.FLOW_GRACE_MS,
    });
    this.candles = new CandleBuilder(this.settings.timeframes, config.FLOW_GRACE_MS);
    this.snapshots = new LiquidityFlowRepository(redis, { compressMinBytes: config.FLOW_COMPRESS_MIN_BYTES });
    this.liveCandles = new LiveCandleRepository(redis);
    this.indicatorStore = new IndicatorRepository(redis);
    this.builder = new FlowSnapshotBuilder(
      config.FLOW_PRUNE_MIN_VOLUME_SHARE,
      config.FLOW_SIZE_BUDGET_FACTOR,
    );
    this.publisher = new StreamPublisher(redis, {
      maxEventsPerEntry: config.STREAM_EVENTS_PER_ENTRY,
      lingerMs: config.STREAM_LINGER_MS,
      logger,
    });
    this.checkpoints = new FlowCheckpointRepository(redis, config.FLOW_SHARD_INDEX, config.FLOW_SHARD_COUNT);
    this.acknowledger = new StreamAcknowledger(redis, this.settings.group);
  }

  /** Restores the checkpoint before the app starts (main.ts initialises the app before the transport reads). */
  async onModuleInit(): Promise<void> {
    await this.ensureRestored();
  }

  onApplicationBootstrap(): void {
    const every = (ms: number, task: () => Promise<unknown>) => {
      const timer = setInterval(
        () =>
          void task().catch((error: unknown) =>
            this.logger.error({ error: errorText(error) }, 'flow tick failed'),
          ),
        ms,
      );
      timer.unref();
      this.timers.push(timer);
    };
    every(this.config.FLOW_PUBLISH_INTERVAL_MS, () => this.tick(Date.now(), true));
    every(this.config.CANDLE_FLUSH_INTERVAL_MS, () => this.writeLiveCandles());
    every(this.config.FLOW_INDEX_PRUNE_INTERVAL_MS, () => this.pruneIndexes());
    every(this.config.FLOW_CHECKPOINT_INTERVAL_MS, () => this.checkpoint());
  }

  /**
   * Runs after the transport stopped: stops the timers, writes every open window and live candle as
   * it stands, checkpoints the state and acknowledges what it covers, flushes the publisher.
   */
  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    try {
      await this.flushClosed();
      await this.publishOpen();
      await this.writeLiveCandles();
      await this.checkpoint();
      await this.publisher.close();
    } catch (error) {
      this.logger.warn({ error: errorText(error) }, 'flow state not fully written at shutdown');
    }
    this.redis.disconnect();
  }

  owns(symbol: string): boolean {
    let owned = this.ownership.get(symbol);
    if (owned === undefined) {
      owned = shardOf(symbol, this.config.FLOW_SHARD_COUNT) === this.config.FLOW_SHARD_INDEX;
      this.ownership.set(symbol, owned);
    }
    return owned;
  }

  /**
   * Trades into the windows, candles and last prices. `context` (from the deferred-ack handler) names
   * the entries they came from: they are acknowledged after the next checkpoint.
   */
  async onTrades(all: readonly TradeMessage[], context?: StreamContext): Promise<void> {
    if (!this.restored) await this.ensureRestored();
    // From here to the noteHandled below nothing awaits: the state and the ids it covers move together.
    const trades = this.notCovered('trade', all, context);
    let aggregated = 0;
    let other = 0;
    let duplicates = 0;
    const lateBefore = this.flow.lateDropped;
    for (const trade of trades) {
      const symbol = trade.base;
      // Every replica reads every event, so the watermark (and what it closes) is the same in each.
      if (trade.ts > this.watermark) this.watermark = trade.ts;
      if (!this.owns(symbol)) {
        other += 1;
        continue;
      }
      if (this.recentTrades && !this.recentTrades.add(trade.exchange, trade.venueSymbol, trade.tradeId)) {
        duplicates += 1;
        continue;
      }
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
      aggregated += 1;
    }
    this.noteHandled(context, trades.length);
    flowMetrics.events.inc({ kind: 'trade', outcome: 'aggregated' }, aggregated);
    if (other > 0) flowMetrics.events.inc({ kind: 'trade', outcome: 'other_shard' }, other);
    if (duplicates > 0) flowMetrics.events.inc({ kind: 'trade', outcome: 'duplicate' }, duplicates);
    if (this.flow.lateDropped > lateBefore)
      flowMetrics.events.inc({ kind: 'trade', outcome: 'late' }, this.flow.lateDropped - lateBefore);
    await this.advanceTo(this.watermark);
  }

  async onLiquidations(all: readonly LiquidationMessage[], context?: StreamContext): Promise<void> {
    if (!this.restored) await this.ensureRestored();
    const liquidations = this.notCovered('liquidation', all, context);
    let aggregated = 0;
    for (const liquidation of liquidations) {
      if (liquidation.ts > this.watermark) this.watermark = liquidation.ts;
      if (!this.owns(liquidation.base)) continue;
      if (
        this.recentLiquidations &&
        !this.recentLiquidations.add(liquidation.exchange, liquidation.venueSymbol, liquidation.eventId)
      )
        continue;
      if (
        this.flow.addLiquidation(
          liquidation.base,
          liquidation.price,
          liquidation.size,
          liquidation.positionSide,
          liquidation.ts,
        )
      )
        aggregated += 1;
    }
    this.noteHandled(context, liquidations.length);
    flowMetrics.events.inc({ kind: 'liquidation', outcome: 'aggregated' }, aggregated);
    await this.advanceTo(this.watermark);
  }

  /** Closes what ends (with grace) by `now` and writes it. */
  async advanceTo(now: number): Promise<void> {
    const windows = this.flow.advanceTo(now);
    const candles = this.candles.advanceTo(now);
    if (
      windows.length === 0 &&
      candles.length === 0 &&
      this.pendingFinal.length === 0 &&
      this.pendingCandles.length === 0
    )
      return;
    for (const ref of windows) this.pendingFinal.push({ ref });
    this.pendingCandles.push(...candles);
    this.stateVersion += 1;
    await this.flushClosed();
  }

  /**
   * The periodic work (every FLOW_PUBLISH_INTERVAL_MS): close by the wall clock (when on), retry
   * failed writes, write the open windows that changed. `spaced` (the timer's call) writes only those
   * last written at least their FLOW_PUBLISH_SPACING_MS ago; a direct call writes every changed one.
   */
  async tick(now = Date.now(), spaced = false): Promise<void> {
    await this.advanceTo(this.config.FLOW_WALL_CLOCK_CLOSE ? Math.max(now, this.watermark) : this.watermark);
    await this.flushClosed();
    await this.publishOpen(now, spaced);
  }

  /**
   * Writes the open windows that changed since they were last written (final: false); with `spaced`,
   * only those last written at least their window's spacing before `now`. One run at a time: a
   * spaced call that finds one running returns (its windows stay dirty for the next tick), any
   * other call waits for it and then runs.
   */
  async publishOpen(now = Date.now(), spaced = false): Promise<void> {
    if (this.publishing) {
      if (spaced) return;
      await this.publishing;
      return this.publishOpen(Date.now(), false);
    }
    this.publishing = this.writeOpen(now, spaced).finally(() => (this.publishing = null));
    return this.publishing;
  }

  private async writeOpen(now: number, spaced: boolean): Promise<void> {
    // Windows written at every tick (no spacing beyond the interval: the 1m ones by default), and
    // the larger ones that are due, most overdue first.
    const everyTick: FlowWindowRef[] = [];
    const due: Array<{ ref: FlowWindowRef; overdue: number }> = [];
    for (const ref of this.flow.openWindows()) {
      if (!ref.accumulator.dirty) continue;
      const spacing = this.settings.publishSpacingMs.get(ref.window)!;
      if (!spaced || spacing <= this.config.FLOW_PUBLISH_INTERVAL_MS) {
        everyTick.push(ref);
        continue;
      }
      const last = this.lastWritten.get(ref.accumulator);
      const overdue = last === undefined ? Infinity : now - last - spacing;
      if (overdue >= 0) due.push({ ref, overdue });
    }
    if (everyTick.length + due.length === 0) return;
    due.sort((a, b) => (b.overdue > a.overdue ? 1 : b.overdue < a.overdue ? -1 : 0));
    // A write builds its snapshot synchronously when it starts. The larger windows (up to 2 ms of
    // CPU each) share SPACED_BUILD_BUDGET_MS per tick: at least one, then more while the budget
    // lasts; the rest stay dirty and due, first in line at the next tick. Written all at once
    // (they fall due together), they held the event loop for 10-20 ms, and every event arriving
    // meanwhile waited for it.
    const written: FlowWindowRef[] = [];
    const writes: Array<Promise<void>> = [];
    const start = (ref: FlowWindowRef) => {
      ref.accumulator.dirty = false;
      this.lastWritten.set(ref.accumulator, now);
      written.push(ref);
      writes.push(this.writeSnapshot(ref, false));
    };
    for (const ref of everyTick) start(ref);
    const budgetFrom = performance.now();
    for (const { ref } of due) {
      if (ref !== due[0]!.ref && performance.now() - budgetFrom >= SPACED_BUILD_BUDGET_MS) break;
      start(ref);
    }
    try {
      await Promise.all(writes);
    } catch (error) {
      for (const ref of written) ref.accumulator.dirty = true;
      flowMetrics.writeFailures.inc({ what: 'snapshot' });
      this.logger.warn(
        { error: errorText(error) },
        'open flow snapshots not written; retrying on the next tick',
      );
    }
  }

  /** Writes queued final snapshots and closed candles (one flush at a time); failures stay queued. */
  flushClosed(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.flushQueued())
      .catch((error: unknown) =>
        this.logger.error({ error: errorText(error) }, 'flushing closed windows failed'),
      );
    return this.flushing;
  }

  async writeLiveCandles(): Promise<void> {
    const changed = this.candles.takeChanged();
    if (changed.length === 0) return;
    try {
      await this.liveCandles.write(changed, (timeframe) => this.candleTtlMs(timeframe));
    } catch (error) {
      flowMetrics.writeFailures.inc({ what: 'live_candle' });
      this.logger.warn(
        { error: errorText(error) },
        'live candles not written; the next change rewrites them',
      );
    }
  }

  async pruneIndexes(): Promise<void> {
    for (const coin of this.flow.coins) {
      if (!this.owns(coin)) continue;
      for (const window of this.settings.windows) {
        const pruned = await this.snapshots.pruneIndex(coin, window);
        if (pruned > 0) flowMetrics.indexPruned.inc(pruned);
      }
    }
  }

  /** Latest indicator values of a symbol's candles of `timeframe`, if any closed yet. */
  indicatorsOf(symbol: string, timeframe: Timeframe): IndicatorValues | null {
    return this.indicators.get(`${timeframe}|${symbol}`)?.latest ?? null;
  }

  /** Nodes of the open window of `coin` holding `ts`. */
  flowNodes(coin: string, window: FlowWindow, ts: number): LiquidityNode[] {
    return this.flow.windowAt(coin, window, ts)?.liveNodes() ?? [];
  }

  lastPrice(symbol: string): { price: number; ts: number } | undefined {
    return this.lastPrices.get(symbol);
  }

  /** Symbols that traded since the last call. */
  takeChangedSymbols(): string[] {
    const symbols = [...this.changedSymbols];
    this.changedSymbols = new Set();
    return symbols;
  }

  private async flushQueued(): Promise<void> {
    while (this.pendingFinal.length > 0) {
      const next = this.pendingFinal[0]!;
      try {
        await this.writeSnapshot(next.ref, true);
      } catch (error) {
        flowMetrics.writeFailures.inc({ what: 'snapshot' });
        this.logger.warn(
          { error: errorText(error), coin: next.ref.coin, window: next.ref.window },
          'final flow snapshot not written; retrying',
        );
        return;
      }
      this.pendingFinal.shift();
      this.stateVersion += 1;
    }
    if (this.pendingCandles.length === 0) return;
    // A copy: candles closed while this one is written are appended to pendingCandles and must stay
    // queued (sharing the array dropped them unwritten when they arrived during the publish).
    const candles = this.pendingCandles.slice();
    try {
      await this.liveCandles.write(candles, (timeframe) => this.candleTtlMs(timeframe));
      await this.publisher.publish(CandleStream, candles);
    } catch (error) {
      flowMetrics.writeFailures.inc({ what: 'closed_candle' });
      this.logger.warn(
        { error: errorText(error), candles: candles.length },
        'closed candles not written; retrying',
      );
      return;
    }
    this.pendingCandles = this.pendingCandles.slice(candles.length);
    this.stateVersion += 1;
    const now = Date.now();
    const indicatorWrites: Array<Promise<void>> = [];
    for (const candle of candles) {
      flowMetrics.candlesClosed.inc({ timeframe: candle.timeframe });
      const key = `${candle.timeframe}|${candle.symbol}`;
      let calculator = this.indicators.get(key);
      if (!calculator) {
        calculator = new IndicatorCalculator();
        this.indicators.set(key, calculator);
      }
      const values = calculator.update(candle.close, candle.openTime);
      if (candle.timeframe === this.config.INDICATOR_TIMEFRAME) {
        indicatorWrites.push(
          this.indicatorStore.write(
            candle.symbol,
            IndicatorRepository.toStored(values, candle.timeframe, now),
            this.config.INDICATOR_TTL_S,
          ),
        );
      }
    }
    // Indicators are rewritten at the next close; a lost write is logged, not retried.
    await Promise.all(indicatorWrites).catch((error: unknown) => {
      flowMetrics.writeFailures.inc({ what: 'indicators' });
      this.logger.warn({ error: errorText(error) }, 'indicators not written');
    });
  }

  private async writeSnapshot(ref: FlowWindowRef, final: boolean): Promise<void> {
    const snapshot = this.builder.build(ref.coin, ref.window, ref.accumulator);
    const now = Date.now();
    const write = await this.snapshots.store(snapshot, now, { trusted: true });
    await this.publisher.publish(FlowSnapshotStream, {
      key: write.key,
      coin: ref.coin,
      timeWindow: ref.window,
      timestamp: ref.accumulator.start,
      final,
      totalTrades: write.data.data.metrics.totalTrades,
      netFlow: write.data.data.metrics.netFlow,
      writtenAt: now,
    });
    flowMetrics.snapshots.inc({ window: ref.window, final: String(final) });
    flowMetrics.snapshotBytes.set({ coin: ref.coin, window: ref.window }, write.bytes);
    flowMetrics.snapshotNodes.set({ coin: ref.coin, window: ref.window }, snapshot.data.nodes.length);
    this.logger.debug(
      {
        key: write.key,
        final,
        bytes: write.bytes,
        compressed: write.compressed,
        nodes: snapshot.data.nodes.length,
      },
      'flow snapshot written',
    );
  }

  /**
   * Writes the state and the ids of the entries it covers, then acknowledges those entries. Takes
   * the state synchronously (nothing is handled meanwhile); when the write fails nothing is
   * acknowledged and the ids wait for the next checkpoint, as do ids whose acknowledgement failed.
   * One at a time; skipped before the restore and when nothing changed.
   */
  checkpoint(): Promise<void> {
    this.checkpointing ??= this.writeCheckpoint().finally(() => (this.checkpointing = null));
    return this.checkpointing;
  }

  /** The whole aggregation state as plain data (copies: later events do not change it). */
  captureState(): AggregationState {
    const lastPrices: AggregationState['lastPrices'] = [];
    for (const [symbol, last] of this.lastPrices) lastPrices.push([symbol, last.price, last.ts]);
    const indicators: AggregationState['indicators'] = [];
    for (const [key, calculator] of this.indicators) indicators.push([key, calculator.toState()]);
    return {
      flow: this.flow.toState(),
      candles: this.candles.toState(),
      watermark: this.watermark,
      lastPrices,
      indicators,
      pendingFinal: this.pendingFinal.map(({ ref }) => [ref.coin, ref.window, ref.accumulator.toState()]),
      pendingCandles: this.pendingCandles.slice(),
      changedSymbols: [...this.changedSymbols],
      recentTrades: this.recentTrades?.toState() ?? null,
      recentLiquidations: this.recentLiquidations?.toState() ?? null,
    };
  }

  /** Reads the checkpoint (retrying while Redis is unreachable) once; handlers wait for it. */
  ensureRestored(): Promise<void> {
    this.restoring ??= this.restore();
    return this.restoring;
  }

  private async restore(): Promise<void> {
    let delay = 100;
    for (;;) {
      try {
        const checkpoint = await this.checkpoints.read<AggregationState>();
        if (checkpoint) {
          this.applyState(checkpoint.state);
          // The state holds their events: acknowledge them now, and skip them if they come again.
          let covered = 0;
          for (const [stream, ids] of Object.entries(checkpoint.covered)) {
            if (ids.length === 0) continue;
            await this.acknowledger.ack(stream, ids);
            this.restoredCovered.set(stream, new Set(ids));
            covered += ids.length;
          }
          this.logger.info(
            {
              key: this.checkpoints.key,
              writtenAt: checkpoint.writtenAt,
              watermark: this.watermark,
              openWindows: this.flow.openWindows().length,
              coveredEntries: covered,
            },
            'aggregation state restored from the checkpoint',
          );
        } else {
          this.logger.info({ key: this.checkpoints.key }, 'no checkpoint: the aggregation starts empty');
        }
        this.restored = true;
        this.checkpointedVersion = this.stateVersion;
        if (this.pendingFinal.length > 0 || this.pendingCandles.length > 0) void this.flushClosed();
        return;
      } catch (error) {
        if (!isRetryableRedisError(error)) throw error; // a refused checkpoint stops the start
        this.logger.warn(
          { error: errorText(error), delayMs: delay },
          'checkpoint not readable yet (Redis unreachable); retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  private applyState(state: AggregationState): void {
    const ignored = this.flow.restoreState(state.flow);
    if (ignored.length > 0)
      this.logger.warn({ ignored }, 'checkpoint windows of coins or windows no longer configured left out');
    this.candles.restoreState(state.candles);
    this.watermark = state.watermark;
    this.lastPrices.clear();
    for (const [symbol, price, ts] of state.lastPrices) this.lastPrices.set(symbol, { price, ts });
    this.indicators.clear();
    for (const [key, calculator] of state.indicators)
      this.indicators.set(key, IndicatorCalculator.fromState(calculator));
    this.pendingFinal = state.pendingFinal.map(([coin, window, accumulator]) => ({
      ref: { coin, window, accumulator: FlowWindowAccumulator.fromState(accumulator) },
    }));
    this.pendingCandles = state.pendingCandles.slice();
    this.changedSymbols = new Set(state.changedSymbols);
    if (this.recentTrades && state.recentTrades) this.recentTrades.restoreState(state.recentTrades);
    if (this.recentLiquidations && state.recentLiquidations)
      this.recentLiquidations.restoreState(state.recentLiquidations);
  }

  private async writeCheckpoint(): Promise<void> {
    if (!this.restored) return;
    if (this.stateVersion === this.checkpointedVersion && this.unacked.size === 0) return;
    const covered = this.unacked;
    this.unacked = new Map();
    const version = this.stateVersion;
    const started = performance.now();
    let bytes: Buffer;
    try {
      bytes = this.checkpoints.encode(this.captureState(), Object.fromEntries(covered), Date.now());
    } catch (error) {
      this.keepUnacked(covered);
      throw error;
    }
    const encoded = performance.now();
    try {
      await this.checkpoints.store(bytes);
    } catch (error) {
      // Not durable: acknowledge nothing; the ids go into the next checkpoint.
      this.keepUnacked(covered);
      flowMetrics.checkpoints.inc({ outcome: 'failed' });
      this.logger.warn(
        { error: errorText(error), entries: countIds(covered) },
        'checkpoint not written; its entries stay unacknowledged until the next one',
      );
      return;
    }
    const stored = performance.now();
    this.checkpointedVersion = version;
    this.lastCheckpoint = { bytes: bytes.length, encodeMs: encoded - started, storeMs: stored - encoded };
    flowMetrics.checkpoints.inc({ outcome: 'written' });
    flowMetrics.checkpointBytes.set(bytes.length);
    flowMetrics.checkpointMs.set({ step: 'encode' }, encoded - started);
    flowMetrics.checkpointMs.set({ step: 'store' }, stored - encoded);
    for (const [stream, ids] of covered) {
      try {
        await this.acknowledger.ack(stream, ids);
      } catch (error) {
        // Still covered by the state: they go into the next checkpoint and are acknowledged after it.
        this.keepUnacked(new Map([[stream, ids]]));
        this.logger.warn(
          { error: errorText(error), stream, entries: ids.length },
          'entries not acknowledged after the checkpoint; retrying after the next one',
        );
      }
    }
  }

  /** Puts ids back in front of those handled since (they are in the state and not acknowledged). */
  private keepUnacked(ids: Map<string, string[]>): void {
    for (const [stream, list] of ids) {
      const later = this.unacked.get(stream);
      this.unacked.set(stream, later ? list.concat(later) : list);
    }
  }

  /** Records the entries of a delivery as handled (their events are in the state now). */
  private noteHandled(context: StreamContext | undefined, events: number): void {
    if (events > 0) this.stateVersion += 1;
    if (!context) return;
    const stream = context.getStream();
    const ids = context.getEntryIds();
    const list = this.unacked.get(stream);
    if (list) for (const id of ids) list.push(id);
    else this.unacked.set(stream, ids.slice());
  }

  /** The events of entries the restored checkpoint does not already hold. */
  private notCovered<T>(
    kind: 'trade' | 'liquidation',
    events: readonly T[],
    context: StreamContext | undefined,
  ): readonly T[] {
    if (!context || this.restoredCovered.size === 0) return events;
    const covered = this.restoredCovered.get(context.getStream());
    if (!covered) return events;
    const ids = context.getEntryIds();
    const counts = context.getEntryEventCounts();
    const kept: T[] = [];
    let offset = 0;
    let skipped = 0;
    for (let i = 0; i < ids.length; i++) {
      const count = counts[i]!;
      if (covered.delete(ids[i]!)) skipped += count;
      else for (let j = offset; j < offset + count; j++) kept.push(events[j]!);
      offset += count;
    }
    if (covered.size === 0) this.restoredCovered.delete(context.getStream());
    if (skipped > 0) {
      this.logger.info(
        { stream: context.getStream(), events: skipped },
        'events already in the checkpoint skipped',
      );
      flowMetrics.events.inc({ kind, outcome: 'in_checkpoint' }, skipped);
    }
    return kept;
  }

  /** A live candle hash lives two periods past its end + grace (then the next candle has replaced it or the symbol went quiet). */
  private candleTtlMs(timeframe: Timeframe): number {
    return 2 * TIMEFRAME_MS[timeframe] + this.config.FLOW_GRACE_MS;
  }
}

function countIds(ids: Map<string, string[]>): number {
  let count = 0;
  for (const list of ids.values()) count += list.length;
  return count;
}
