import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
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
import { StreamPublisher, errorText } from '@mdp/transport';
import {
  CandleBuilder,
  FlowAggregator,
  IndicatorCalculator,
  TIMEFRAME_MS,
  shardOf,
  type FlowWindowRef,
  type IndicatorValues,
  type LiquidityNode,
} from '@mdp/domain-flow';
import { IndicatorRepository, LiquidityFlowRepository, LiveCandleRepository } from '@mdp/data-access-flow';
import { FlowAggregatorConfig } from '../flow-aggregator.config';
import { FLOW_TOKENS } from './flow-aggregator.tokens';
import { FlowSnapshotBuilder } from './flow-snapshot.builder';
import { flowSettingsFrom, type FlowSettings } from './flow-settings';
import { flowMetrics } from './flow.metrics';
import { RecentEventIds } from './recent-event.ids';

/** A window closed by the watermark or the clock, waiting for its final snapshot to be written. */
interface PendingFinal {
  ref: FlowWindowRef;
}

/**
 * The aggregator's state and its writes. Trades and liquidations of the symbols this replica owns
 * go into the flow windows and candles in memory (idempotent handlers: nothing here throws on a
 * message, so a batch is never redelivered and counted twice by this process). Windows and candles
 * close when the event-time watermark (or the wall clock) passes their end + grace: final snapshots,
 * closed candles and indicators are written right after the batch that closed them; open windows
 * every FLOW_PUBLISH_INTERVAL_MS and live candles every CANDLE_FLUSH_INTERVAL_MS. A failed write
 * stays queued and is retried on the next tick.
 */
@Injectable()
export class FlowAggregationService implements OnApplicationBootstrap, OnApplicationShutdown {
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
    every(this.config.FLOW_PUBLISH_INTERVAL_MS, () => this.tick());
    every(this.config.CANDLE_FLUSH_INTERVAL_MS, () => this.writeLiveCandles());
    every(this.config.FLOW_INDEX_PRUNE_INTERVAL_MS, () => this.pruneIndexes());
  }

  /** Stops the timers, writes every open window and live candle as it stands, flushes the publisher. */
  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    try {
      await this.flushClosed();
      await this.publishOpen();
      await this.writeLiveCandles();
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

  async onTrades(trades: readonly TradeMessage[]): Promise<void> {
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
    flowMetrics.events.inc({ kind: 'trade', outcome: 'aggregated' }, aggregated);
    if (other > 0) flowMetrics.events.inc({ kind: 'trade', outcome: 'other_shard' }, other);
    if (duplicates > 0) flowMetrics.events.inc({ kind: 'trade', outcome: 'duplicate' }, duplicates);
    if (this.flow.lateDropped > lateBefore)
      flowMetrics.events.inc({ kind: 'trade', outcome: 'late' }, this.flow.lateDropped - lateBefore);
    await this.advanceTo(this.watermark);
  }

  async onLiquidations(liquidations: readonly LiquidationMessage[]): Promise<void> {
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
    await this.flushClosed();
  }

  /** The periodic work: close by the wall clock (when on), retry failed writes, write changed open windows. */
  async tick(now = Date.now()): Promise<void> {
    await this.advanceTo(this.config.FLOW_WALL_CLOCK_CLOSE ? Math.max(now, this.watermark) : this.watermark);
    await this.flushClosed();
    await this.publishOpen();
  }

  /** Writes the open windows that changed since they were last written (final: false). */
  async publishOpen(): Promise<void> {
    const changed = this.flow.openWindows().filter((ref) => ref.accumulator.dirty);
    for (const ref of changed) ref.accumulator.dirty = false;
    try {
      await Promise.all(changed.map((ref) => this.writeSnapshot(ref, false)));
    } catch (error) {
      for (const ref of changed) ref.accumulator.dirty = true;
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
    }
    if (this.pendingCandles.length === 0) return;
    const candles = this.pendingCandles;
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

  /** A live candle hash lives two periods past its end + grace (then the next candle has replaced it or the symbol went quiet). */
  private candleTtlMs(timeframe: Timeframe): number {
    return 2 * TIMEFRAME_MS[timeframe] + this.config.FLOW_GRACE_MS;
  }
}
