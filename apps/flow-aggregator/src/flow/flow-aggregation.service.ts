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
  LiquidationStream,
  TradeStream,
  type FlowWindow,
  type LiquidationMessage,
  type Timeframe,
  type TradeMessage,
} from '@mdp/schemas';
import {
  EntryCursor,
  PartitionCoordinator,
  PartitionLeaseRepository,
  StreamPublisher,
  compareStreamIds,
  errorText,
  type AdoptedPartition,
  type CapturedPartition,
  type DeliveredEntries,
  coveredBy,
  latestStreamId,
  recordDelivered,
  streamIdTime,
  type PartitionedState,
  type StreamContext,
  type StreamPositions,
  type StreamRangeReader,
} from '@mdp/transport';
import {
  TIMEFRAME_MS,
  type FlowCoinSettings,
  type FlowWindowAccumulator,
  type FlowWindowRef,
  type IndicatorValues,
  type LiquidityNode,
} from '@mdp/domain-flow';
import {
  FLOW_CHECKPOINT_VERSION,
  IndicatorRepository,
  LiquidityFlowRepository,
  LiveCandleRepository,
  assertNoShardLayoutCheckpoint,
} from '@mdp/data-access-flow';
import { FlowAggregatorConfig } from '../flow-aggregator.config';
import { FLOW_TOKENS } from './flow-aggregator.tokens';
import { FlowPartition, type FlowCheckpointBody, type FlowPartitionState } from './flow-partition';
import { FlowPartitions } from './flow-partitions';
import { FlowSnapshotBuilder } from './flow-snapshot.builder';
import { flowSettingsFrom, type FlowSettings } from './flow-settings';
import { flowMetrics } from './flow.metrics';

/**
 * Build time (ms) a timer tick may spend on the open windows with a FLOW_PUBLISH_SPACING_MS (the
 * larger ones) beyond the first; the others wait for the next tick.
 */
const SPACED_BUILD_BUDGET_MS = 2;

/**
 * The aggregator's state and its writes. The coins and symbols (a trade's `base`) are hashed into
 * FLOW_PARTITIONS partitions; the live replicas share them (PartitionCoordinator of @mdp/transport:
 * membership, leases, fenced per-partition checkpoints, handover). Every replica reads every entry
 * of both streams in a group of its own; the trades and liquidations of the partitions it holds go
 * into their flow windows and candles in memory, the others only move the watermark. Windows and
 * candles close when the event-time watermark (or the wall clock) passes their end + grace: final
 * snapshots, closed candles and indicators are written right after the batch that closed them; an
 * open window that changed within FLOW_PUBLISH_INTERVAL_MS (10 ms), or, for the larger windows, once
 * its FLOW_PUBLISH_SPACING_MS passed since its last write; live candles every CANDLE_FLUSH_INTERVAL_MS.
 * A failed write stays queued and is retried on the next tick.
 *
 * Nothing is lost or counted twice when a replica dies (kill -9) or the replicas change: the
 * handlers acknowledge late (`ack: 'deferred'`). Every FLOW_CHECKPOINT_INTERVAL_MS (and at
 * shutdown) each changed partition is captured synchronously with the stream positions it covers
 * and the watermark there, written under its lease, and only then are the entries handled so far
 * acknowledged. A partition taken over is restored from its checkpoint and caught up from the stream
 * (XRANGE) to this replica's read position. See docs/flow-aggregator.md, Scaling.
 */
@Injectable()
export class FlowAggregationService
  implements PartitionedState<FlowCheckpointBody>, OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  readonly settings: FlowSettings;
  /** This replica's number, its group and the coin -> partition rule. */
  readonly partitions: FlowPartitions;
  /** Membership, handover and checkpoints of the partitions. */
  readonly coordinator: PartitionCoordinator<FlowCheckpointBody>;
  private readonly snapshots: LiquidityFlowRepository;
  private readonly liveCandles: LiveCandleRepository;
  private readonly indicatorStore: IndicatorRepository;
  private readonly builder: FlowSnapshotBuilder;
  readonly publisher: StreamPublisher;
  /** Partitions held here, by index. */
  private readonly held: Array<FlowPartition | undefined>;
  /** Events skipped since start because their partition is held by another replica. */
  readonly otherPartition = { trades: 0, liquidations: 0 };
  /** Per stream, the last entry id handled here (the replica's read position). */
  readonly lastSeen = new Map<string, string>();
  /** Per stream, ids of entries handled (their events are in the state) and not acknowledged yet. */
  private unacked = new Map<string, string[]>();
  /** The latest event time of every event read here (every partition's, held or not). */
  private watermark = 0;
  private timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> = Promise.resolve();
  /** Open-window writes in progress, one at most per window (a window being written waits for the next tick). */
  private readonly writing = new Map<FlowWindowAccumulator, Promise<unknown>>();
  /** When each open window was last written, for FLOW_PUBLISH_SPACING_MS. */
  private readonly lastWritten = new WeakMap<FlowWindowAccumulator, number>();
  /** Set while taken-over partitions catch up: handlers wait for it (`idle()`). */
  catchingUp: Promise<void> | null = null;
  /** False until the replica joined and took its first partitions: handlers wait for it (`idle()`). */
  joined = false;
  private markJoinedNow: () => void = () => undefined;
  private readonly joinedSignal = new Promise<void>((resolve) => {
    this.markJoinedNow = resolve;
  });

  constructor(
    private readonly config: FlowAggregatorConfig,
    @Inject(FLOW_TOKENS.redis) private readonly redis: RedisClient,
    @Inject(FLOW_TOKENS.logger) private readonly logger: Logger,
  ) {
    this.settings = flowSettingsFrom(config);
    this.partitions = new FlowPartitions(config.FLOW_REPLICA, config.FLOW_PARTITIONS);
    this.held = new Array<FlowPartition | undefined>(this.partitions.count);
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
    const repository = new PartitionLeaseRepository(redis, {
      service: this.partitions.service,
      partitions: this.partitions.count,
      leaseMs: config.FLOW_LEASE_MS,
      version: FLOW_CHECKPOINT_VERSION,
    });
    this.coordinator = new PartitionCoordinator(this.partitions, repository, this, redis, logger, {
      heartbeatMs: config.FLOW_HEARTBEAT_MS,
      leaseMs: config.FLOW_LEASE_MS,
      checkpointIntervalMs: config.FLOW_CHECKPOINT_INTERVAL_MS,
      groupStart: config.STREAM_GROUP_START,
      streams: [TradeStream, LiquidationStream],
      replicaSetting: 'FLOW_REPLICA',
      onCheckpoint: (outcome) => {
        flowMetrics.checkpoints.inc({ outcome });
        const last = this.coordinator.stats.lastCheckpoint;
        if (outcome !== 'written' || !last) return;
        flowMetrics.checkpointBytes.set(last.bytes);
        flowMetrics.checkpointMs.set({ step: 'encode' }, last.encodeMs);
        flowMetrics.checkpointMs.set({ step: 'store' }, last.storeMs);
      },
    });
  }

  /**
   * Joins the replicas before the app starts (main.ts initialises the app before the transport
   * reads): refuses a checkpoint of the shard layout, then takes this replica's partitions from
   * their checkpoints.
   */
  async onModuleInit(): Promise<void> {
    await assertNoShardLayoutCheckpoint(this.redis, this.partitions.count);
    await this.coordinator.join();
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
  }

  /**
   * Runs after the transport stopped: stops the timers, writes every open window and live candle as
   * it stands, checkpoints and releases every partition (bounded: Redis may be down) and
   * acknowledges what the checkpoints cover, flushes the publisher.
   */
  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    try {
      await this.flushClosed();
      await this.publishOpen();
      await this.writeLiveCandles();
      await bounded(this.coordinator.leave(), 15_000);
      await this.publisher.close();
    } catch (error) {
      this.logger.warn({ error: errorText(error) }, 'flow state not fully written at shutdown');
    }
    this.redis.disconnect();
  }

  /** Partitions held here, ascending. */
  heldPartitions(): number[] {
    const list: number[] = [];
    for (let i = 0; i < this.held.length; i++) if (this.held[i]) list.push(i);
    return list;
  }

  /** Whether `coin`'s partition is held here. */
  owns(coin: string): boolean {
    return this.held[this.partitions.partitionOf(coin)] !== undefined;
  }

  /** Resolves when the replica has joined and no catch-up is running (handlers apply nothing before). */
  async idle(): Promise<void> {
    if (!this.joined) await this.joinedSignal;
    while (this.catchingUp) await this.catchingUp;
  }

  markJoined(): void {
    this.joined = true;
    this.markJoinedNow();
  }

  /**
   * Trades into the windows, candles and last prices of the partitions held here. `context` (from
   * the deferred-ack handler) names the entries they came from: they are acknowledged after the
   * next checkpoint.
   */
  async onTrades(all: readonly TradeMessage[], context?: StreamContext): Promise<void> {
    // Re-checked after each wait: a catch-up that started meanwhile must finish before events apply.
    while (!this.joined || this.catchingUp) await this.idle();
    // From here to handled() nothing awaits: the state and the entries it covers move together.
    const entries = deliveredOf(context);
    const stream = entries?.stream ?? '';
    if (entries) observeApplyDelay(entries);
    const cursor = new EntryCursor(entries);
    let aggregated = 0;
    let other = 0;
    let duplicates = 0;
    let covered = 0;
    const lateBefore = this.lateDropped();
    for (const trade of all) {
      const id = cursor.next();
      // Every replica reads every event, so the watermark (and what it closes) is the same in each.
      if (trade.ts > this.watermark) this.watermark = trade.ts;
      const part = this.held[this.partitions.partitionOf(trade.base)];
      if (part === undefined) {
        other += 1;
        continue;
      }
      if (part.skipUpTo.size > 0 && coveredBy(part.skipUpTo, stream, id)) {
        covered += 1;
        continue;
      }
      if (part.addTrade(trade)) aggregated += 1;
      else duplicates += 1;
    }
    if (entries) this.handled(entries);
    this.otherPartition.trades += other;
    flowMetrics.events.inc({ kind: 'trade', outcome: 'aggregated' }, aggregated);
    if (other > 0) flowMetrics.events.inc({ kind: 'trade', outcome: 'other_partition' }, other);
    if (duplicates > 0) flowMetrics.events.inc({ kind: 'trade', outcome: 'duplicate' }, duplicates);
    if (covered > 0) flowMetrics.events.inc({ kind: 'trade', outcome: 'in_checkpoint' }, covered);
    const late = this.lateDropped() - lateBefore;
    if (late > 0) flowMetrics.events.inc({ kind: 'trade', outcome: 'late' }, late);
    await this.advanceTo(this.watermark);
  }

  async onLiquidations(all: readonly LiquidationMessage[], context?: StreamContext): Promise<void> {
    while (!this.joined || this.catchingUp) await this.idle();
    const entries = deliveredOf(context);
    const stream = entries?.stream ?? '';
    if (entries) observeApplyDelay(entries);
    const cursor = new EntryCursor(entries);
    let aggregated = 0;
    let other = 0;
    for (const liquidation of all) {
      const id = cursor.next();
      if (liquidation.ts > this.watermark) this.watermark = liquidation.ts;
      const part = this.held[this.partitions.partitionOf(liquidation.base)];
      if (part === undefined) {
        other += 1;
        continue;
      }
      if (part.skipUpTo.size > 0 && coveredBy(part.skipUpTo, stream, id)) continue;
      if (part.addLiquidation(liquidation) === 'aggregated') aggregated += 1;
    }
    if (entries) this.handled(entries);
    this.otherPartition.liquidations += other;
    flowMetrics.events.inc({ kind: 'liquidation', outcome: 'aggregated' }, aggregated);
    if (other > 0) flowMetrics.events.inc({ kind: 'liquidation', outcome: 'other_partition' }, other);
    await this.advanceTo(this.watermark);
  }

  /** Closes what ends (with grace) by `now` (or a partition's own later watermark) and writes it. */
  async advanceTo(now: number): Promise<void> {
    let queued = false;
    for (const part of this.held) {
      if (!part) continue;
      part.advanceTo(Math.max(now, part.floor));
      if (part.pendingFinal.length > 0 || part.pendingCandles.length > 0) queued = true;
    }
    if (queued) await this.flushClosed();
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
   * only those last written at least their window's spacing before `now`. Windows are written
   * independently: a window whose previous write is still in flight stays dirty for the next tick,
   * while the others go out (a large window's gzip and write no longer hold up the 1m windows
   * behind it). A call without `spaced` resolves once every window that changed before it has been
   * written, its own writes and those in flight included.
   */
  async publishOpen(now = Date.now(), spaced = false): Promise<void> {
    if (spaced) return this.writeOpen(now, true);
    // The writes under way may predate the call: wait, write what changed, and wait for what is
    // under way then (writes a tick started meanwhile included).
    await Promise.all(this.writing.values());
    await this.writeOpen(now, false);
    await Promise.all(this.writing.values());
  }

  private async writeOpen(now: number, spaced: boolean): Promise<void> {
    // Windows written at every tick (no spacing beyond the interval: the 1m ones by default), and
    // the larger ones that are due, most overdue first.
    const everyTick: FlowWindowRef[] = [];
    const due: Array<{ ref: FlowWindowRef; overdue: number }> = [];
    for (const ref of this.openWindows()) {
      if (!ref.accumulator.dirty || this.writing.has(ref.accumulator)) continue;
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
    // Each write settles with its error (undefined when written): a failed window is dirty again.
    const writes: Array<Promise<unknown>> = [];
    const start = (ref: FlowWindowRef) => {
      const { accumulator } = ref;
      accumulator.dirty = false;
      this.lastWritten.set(accumulator, now);
      const write = this.writeSnapshot(ref, false)
        .then(
          () => undefined,
          (error: unknown) => {
            accumulator.dirty = true;
            return error;
          },
        )
        .finally(() => this.writing.delete(accumulator));
      this.writing.set(accumulator, write);
      writes.push(write);
    };
    for (const ref of everyTick) start(ref);
    const budgetFrom = performance.now();
    for (const { ref } of due) {
      if (ref !== due[0]!.ref && performance.now() - budgetFrom >= SPACED_BUILD_BUDGET_MS) break;
      start(ref);
    }
    const errors = (await Promise.all(writes)).filter((error) => error !== undefined);
    if (errors.length > 0) {
      flowMetrics.writeFailures.inc({ what: 'snapshot' });
      this.logger.warn(
        { error: errorText(errors[0]), windows: errors.length },
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
    const changed = [];
    for (const part of this.held) if (part) changed.push(...part.candles.takeChanged());
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
    for (const coin of this.settings.coins.keys()) {
      if (!this.owns(coin)) continue;
      for (const window of this.settings.windows) {
        const pruned = await this.snapshots.pruneIndex(coin, window);
        if (pruned > 0) flowMetrics.indexPruned.inc(pruned);
      }
    }
  }

  /** Latest indicator values of a symbol's candles of `timeframe`, if any closed yet (null when its partition is not held here). */
  indicatorsOf(symbol: string, timeframe: Timeframe): IndicatorValues | null {
    return this.partOf(symbol)?.indicators.get(`${timeframe}|${symbol}`)?.latest ?? null;
  }

  /** Nodes of the open window of `coin` holding `ts`. */
  flowNodes(coin: string, window: FlowWindow, ts: number): LiquidityNode[] {
    return this.partOf(coin)?.flow.windowAt(coin, window, ts)?.liveNodes() ?? [];
  }

  /** The open window of `coin` holding `ts`, if its partition is held here. */
  windowAt(coin: string, window: FlowWindow, ts: number): FlowWindowAccumulator | undefined {
    return this.partOf(coin)?.flow.windowAt(coin, window, ts);
  }

  lastPrice(symbol: string): { price: number; ts: number } | undefined {
    return this.partOf(symbol)?.lastPrices.get(symbol);
  }

  /** Symbols (of the partitions held here) that traded since the last call. */
  takeChangedSymbols(): string[] {
    const symbols: string[] = [];
    for (const part of this.held) {
      if (!part || part.changedSymbols.size === 0) continue;
      symbols.push(...part.changedSymbols);
      part.changedSymbols = new Set();
      part.changed = true;
    }
    return symbols;
  }

  /** Open windows of the partitions held here (not those being handed over). */
  openWindows(): FlowWindowRef[] {
    const open: FlowWindowRef[] = [];
    for (const part of this.held) if (part && !part.releasing) open.push(...part.flow.openWindows());
    return open;
  }

  /** Events dropped as late (windows) in the partitions held here. */
  lateDropped(): number {
    let late = 0;
    for (const part of this.held) if (part) late += part.flow.lateDropped;
    return late;
  }

  /** Trades dropped as late (candles) in the partitions held here. */
  lateCandleTrades(): number {
    let late = 0;
    for (const part of this.held) if (part) late += part.candles.lateDropped;
    return late;
  }

  /** Checkpoints the changed partitions now and acknowledges what they cover (tests, benchmark); resolves when done. */
  checkpoint(): Promise<void> {
    return this.coordinator.checkpointNow();
  }

  /** The state of every partition held here, as plain data (copies), with the watermark. */
  captureState(): { watermark: number; partitions: Array<[number, FlowPartitionState]> } {
    const partitions: Array<[number, FlowPartitionState]> = [];
    for (const part of this.held) if (part) partitions.push([part.index, part.toState()]);
    return { watermark: this.watermark, partitions };
  }

  // --- PartitionedState (called by the coordinator) ---

  /**
   * Takes over partitions: restores their checkpoints, then (handlers waiting) applies the events
   * of the entries this replica has already read past their positions, read with `readRange`,
   * trades first. The watermark of each moves with every event of the gap (of every partition, as
   * a single aggregator's would) and its windows and candles close after each entry. From then on
   * a redelivered entry the state covers is skipped.
   */
  async adopt(
    adopted: ReadonlyArray<AdoptedPartition<FlowCheckpointBody>>,
    readRange: StreamRangeReader,
  ): Promise<void> {
    if (adopted.length === 0) return;
    while (this.catchingUp) await this.catchingUp;
    const run = (async () => {
      const parts = new Map<number, { part: FlowPartition; positions: StreamPositions }>();
      for (const taken of adopted) {
        const part = this.newPartition(taken.partition);
        if (taken.checkpoint) {
          const ignored = part.restore(taken.checkpoint.state);
          part.floor = taken.checkpoint.watermark;
          if (ignored.length > 0)
            this.logger.warn(
              { ignored },
              'checkpoint windows of coins or windows no longer configured left out',
            );
        }
        parts.set(taken.partition, { part, positions: taken.positions });
      }
      for (const stream of [TradeStream.stream, LiquidationStream.stream]) {
        const upTo = this.lastSeen.get(stream);
        if (upTo === undefined) continue;
        let after: string | null = null;
        for (const { positions } of parts.values()) {
          const position = positions[stream];
          if (position === undefined) {
            after = null;
            break;
          }
          if (after === null || compareStreamIds(position, after) < 0) after = position;
        }
        if (after !== null && compareStreamIds(after, upTo) >= 0) continue;
        const trades = stream === TradeStream.stream;
        for (const [id, entryEvents] of await readRange(stream, after, upTo)) {
          const events = entryEvents as Array<TradeMessage | LiquidationMessage>;
          let latest = 0;
          for (const event of events) if (event.ts > latest) latest = event.ts;
          for (const { part, positions } of parts.values()) {
            const position = positions[stream];
            if (position !== undefined && compareStreamIds(id, position) <= 0) continue;
            for (const event of events) {
              if (this.partitions.partitionOf(event.base) !== part.index) continue;
              if (trades) part.addTrade(event as TradeMessage);
              else part.addLiquidation(event as LiquidationMessage);
            }
            if (latest > part.floor) part.floor = latest;
            part.advanceTo(part.floor);
          }
        }
      }
      for (const { part, positions } of parts.values()) {
        for (const stream of [TradeStream.stream, LiquidationStream.stream]) {
          const position = latestStreamId(positions[stream], this.lastSeen.get(stream));
          if (position !== undefined) part.skipUpTo.set(stream, position);
        }
        part.changed = true;
        this.held[part.index] = part;
        part.advanceTo(Math.max(this.watermark, part.floor));
      }
    })();
    this.catchingUp = run;
    try {
      await run;
    } finally {
      if (this.catchingUp === run) this.catchingUp = null;
    }
    void this.flushClosed();
  }

  /**
   * Captures the held partitions that changed and those in `release`, with the ids of the entries
   * handled so far. A released partition stops having its open windows written at once, and is
   * captured when no write of its closed windows is in flight, so that its new holder does not
   * write them too.
   */
  capture(
    release: ReadonlySet<number>,
  ):
    | { partitions: CapturedPartition[]; unacked: Map<string, string[]> }
    | Promise<{ partitions: CapturedPartition[]; unacked: Map<string, string[]> }> {
    if (release.size === 0) return this.captureNow(release);
    for (const index of release) {
      const part = this.held[index];
      if (part) part.releasing = true;
    }
    const run = this.flushing.then(async () => {
      // No write of a releasing partition's window starts from here on; wait for those started before.
      await Promise.all(this.writing.values());
      return this.captureNow(release);
    });
    this.flushing = run.then(
      () => undefined,
      (error: unknown) => this.logger.error({ error: errorText(error) }, 'capturing partitions failed'),
    );
    return run;
  }

  restoreCapture(captured: readonly CapturedPartition[], unacked: Map<string, string[]>): void {
    for (const partition of captured) {
      const part = this.held[partition.partition];
      if (part) part.changed = true;
    }
    this.requeueAcks(unacked);
  }

  requeueAcks(unacked: Map<string, string[]>): void {
    for (const [stream, ids] of unacked) {
      const later = this.unacked.get(stream) ?? [];
      this.unacked.set(stream, ids.concat(later));
    }
  }

  lose(partitions: readonly number[]): void {
    for (const index of partitions) this.held[index] = undefined;
  }

  /** Closed windows and candles not yet written travel in the checkpoint: nothing to wait for. */
  outputsWritten(): Promise<boolean> {
    return Promise.resolve(true);
  }

  private captureNow(release: ReadonlySet<number>): {
    partitions: CapturedPartition[];
    unacked: Map<string, string[]>;
  } {
    const captured: CapturedPartition[] = [];
    for (let index = 0; index < this.held.length; index++) {
      const part = this.held[index];
      if (!part) continue;
      const releasing = release.has(index);
      if (!part.changed && !releasing) continue;
      const positions: StreamPositions = {};
      for (const [stream, seen] of this.lastSeen) {
        const position = latestStreamId(part.skipUpTo.get(stream), seen);
        if (position !== undefined) positions[stream] = position;
      }
      for (const [stream, position] of part.skipUpTo) positions[stream] ??= position;
      const body: FlowCheckpointBody = {
        watermark: Math.max(this.watermark, part.floor),
        state: part.toState(),
      };
      captured.push({ partition: index, positions, body, changed: part.changed, release: releasing });
      part.changed = false;
      if (releasing) this.held[index] = undefined;
    }
    const unacked = this.unacked;
    this.unacked = new Map();
    return { partitions: captured, unacked };
  }

  private newPartition(index: number): FlowPartition {
    const coins = new Map<string, FlowCoinSettings>();
    for (const [coin, settings] of this.settings.coins)
      if (this.partitions.partitionOf(coin) === index) coins.set(coin, settings);
    return new FlowPartition(index, {
      coins,
      windows: this.settings.windows,
      timeframes: this.settings.timeframes,
      graceMs: this.config.FLOW_GRACE_MS,
      dedupCapacity: this.config.FLOW_DEDUP_CAPACITY,
    });
  }

  private partOf(key: string): FlowPartition | undefined {
    return this.held[this.partitions.partitionOf(key)];
  }

  /** Records the entries of a delivery as handled: the read position moves, their ids wait for the next checkpoint. */
  private handled(entries: DeliveredEntries): void {
    recordDelivered(entries, this.lastSeen, this.unacked, this.held);
  }

  private async flushQueued(): Promise<void> {
    for (const part of this.held) {
      if (!part) continue;
      while (part.pendingFinal.length > 0) {
        const next = part.pendingFinal[0]!;
        try {
          await this.writeSnapshot(next, true);
        } catch (error) {
          flowMetrics.writeFailures.inc({ what: 'snapshot' });
          this.logger.warn(
            { error: errorText(error), coin: next.coin, window: next.window },
            'final flow snapshot not written; retrying',
          );
          return;
        }
        if (part.pendingFinal[0] === next) part.pendingFinal.shift();
        part.changed = true;
      }
      if (part.pendingCandles.length === 0) continue;
      // A copy: candles closed while this one is written are appended to pendingCandles and must stay
      // queued (sharing the array dropped them unwritten when they arrived during the publish).
      const candles = part.pendingCandles.slice();
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
      part.pendingCandles = part.pendingCandles.slice(candles.length);
      part.changed = true;
      const now = Date.now();
      const indicatorWrites: Array<Promise<void>> = [];
      for (const candle of candles) {
        flowMetrics.candlesClosed.inc({ timeframe: candle.timeframe });
        const values = part
          .indicatorOf(candle.timeframe, candle.symbol)
          .update(candle.close, candle.openTime);
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

/** flow_apply_delay_seconds: now less the time in the id of the delivery's first (oldest) entry. */
function observeApplyDelay(entries: DeliveredEntries): void {
  const first = entries.ids[0];
  if (first === undefined) return;
  const ms = streamIdTime(first);
  if (ms > 0) flowMetrics.applyDelay.observe({ stream: entries.stream }, Math.max(0, Date.now() - ms) / 1000);
}

function deliveredOf(context: StreamContext | undefined): DeliveredEntries | undefined {
  return context
    ? { stream: context.getStream(), ids: context.getEntryIds(), counts: context.getEntryEventCounts() }
    : undefined;
}

/** Resolves when `work` does or after `ms`, whichever comes first (Redis may be down at shutdown). */
async function bounded(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work, late]);
  clearTimeout(timer);
}
