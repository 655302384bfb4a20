import {
  GapStream,
  LiquidationStream,
  MessageValidator,
  TickStream,
  TradeStream,
  type GapMessage,
  type LiquidationMessage,
  type TickMessage,
  type TradeMessage,
  type Venue,
} from '@mdp/schemas';
import {
  RecentIdCache,
  TradeIdGapDetector,
  type ParsedFrame,
  type RecentIds,
  type TradeIdGap,
} from '@mdp/domain-ingestion';
import { performance } from 'node:perf_hooks';
import { isCluster, type Logger, type RedisClient } from '@mdp/platform';
import { PublisherOverloadedError, errorText, type StreamPublisher } from '@mdp/transport';
import type { IngestionMetrics } from '../metrics/ingestion.metrics';
import { tickLatestKey, tickUpdateChannel } from './ingestion-keys';

export interface IngestionPublisherOptions {
  dedupCapacity: number;
  flushMs: number;
  batchSize: number;
  tickTtlSeconds: number;
  /** The tick stream gets at most one tick per instrument per interval of venue time (the first of it). */
  tickIntervalMs: number;
}

/** Refetches a trade-id gap from a venue's REST history; returns the trades it found (marked backfill). */
export type Backfiller = (gap: {
  venueSymbol: string;
  fromId: number;
  toId: number;
}) => Promise<TradeMessage[]>;

const MAX_IN_FLIGHT = 4;

/** The newest event of a venue instrument and its last quote (Alpaca). */
interface LatestTick {
  event: TradeMessage | TickMessage;
  quote: TickMessage | null;
}

function tickOf({ event, quote }: LatestTick): TickMessage {
  const tick: TickMessage = {
    exchange: event.exchange,
    market: event.market,
    symbol: event.symbol,
    base: event.base,
    quote: event.quote,
    venueSymbol: event.venueSymbol,
    last: 'last' in event ? event.last : event.price,
    ts: event.ts,
    recvTs: event.recvTs,
  };
  if (quote?.bid !== undefined) tick.bid = quote.bid;
  if (quote?.ask !== undefined) tick.ask = quote.ask;
  if (quote?.bidSize !== undefined) tick.bidSize = quote.bidSize;
  if (quote?.askSize !== undefined) tick.askSize = quote.askSize;
  return tick;
}

type Events = Pick<ParsedFrame, 'trades' | 'liquidations' | 'ticks'>;

/** What the publisher keeps per venue instrument, found with one lookup per event. */
interface InstrumentState {
  /** `<venue>:<venueSymbol>`, built once. */
  readonly key: string;
  readonly tradeIds: RecentIds;
  readonly liquidationIds: RecentIds;
  latest: LatestTick | null;
  /** The tick interval (venue time) whose first event went to the tick stream. */
  streamedInterval: number;
  /** Waiting in `dirty` for its tick:latest refresh. */
  dirty: boolean;
}

/** Events of one venue in a batch, counted once per accepted frame rather than per event. */
interface VenueCounts {
  trade: number;
  gap: number;
  tick: number;
  /** Venue time of the newest trade, for the lag histogram (one observation per venue per write). */
  newestTradeTs: number;
}

/** The events buffered for one write, with their per-venue counts for the metrics. */
class PendingBatch {
  trades: TradeMessage[] = [];
  liquidations: LiquidationMessage[] = [];
  gaps: GapMessage[] = [];
  ticks: TickMessage[] = [];
  readonly perVenue = new Map<Venue, VenueCounts>();

  get size(): number {
    return this.trades.length + this.liquidations.length + this.gaps.length + this.ticks.length;
  }

  countsOf(venue: Venue): VenueCounts {
    let counts = this.perVenue.get(venue);
    if (!counts) this.perVenue.set(venue, (counts = { trade: 0, gap: 0, tick: 0, newestTradeTs: 0 }));
    return counts;
  }

  /** This batch's events first, then `later`'s (a refused write goes back in front of what came since). */
  followedBy(later: PendingBatch): PendingBatch {
    this.trades = this.trades.concat(later.trades);
    this.liquidations = this.liquidations.concat(later.liquidations);
    this.gaps = this.gaps.concat(later.gaps);
    this.ticks = this.ticks.concat(later.ticks);
    for (const [venue, counts] of later.perVenue) {
      const into = this.countsOf(venue);
      into.trade += counts.trade;
      into.gap += counts.gap;
      into.tick += counts.tick;
      into.newestTradeTs = Math.max(into.newestTradeTs, counts.newestTradeTs);
    }
    return this;
  }
}

/**
 * The one way events leave the ingestion service. Every event is validated against the schema
 * library (an invalid one is counted and skipped, never sinks its batch), deduplicated by its id per
 * venue and symbol (a reconnect or a backfill may resend), checked for trade-id gaps where ids are
 * consecutive, buffered, and written in batches to the trade, liquidation, gap and tick streams.
 * Each write also refreshes `tick:latest:<SYMBOL>` (a hash with a TTL) for the symbols it touched and
 * publishes the new tick on `tick:updates:<SYMBOL>`.
 */
export class IngestionPublisher {
  private readonly dedup: RecentIdCache;
  private readonly gapDetector = new TradeIdGapDetector();
  private readonly backfillers = new Map<Venue, Backfiller>();
  private readonly validators = {
    trade: new MessageValidator(TradeStream.messageClass, TradeStream.type),
    liquidation: new MessageValidator(LiquidationStream.messageClass, LiquidationStream.type),
    tick: new MessageValidator(TickStream.messageClass, TickStream.type),
  };
  /** Venue -> venue symbol -> state: the venue symbols are the adapters' catalog strings, so lookups are cheap. */
  private readonly instruments = new Map<Venue, Map<string, InstrumentState>>();
  private pending = new PendingBatch();
  private dirty: InstrumentState[] = [];
  private readonly latestWrittenTs = new Map<string, number>();
  private buffered = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  /** performance.now() when the last write started. */
  private lastWriteAt = -Infinity;
  /** Set while writes pause because the stream publisher is full. */
  private backOff: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly backfills = new Set<Promise<void>>();
  private closed = false;
  /** Writes started, and the count `whenWritable` last saw. */
  private writesStarted = 0;
  private writesSeen = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly streams: StreamPublisher,
    private readonly metrics: IngestionMetrics,
    private readonly logger: Logger,
    private readonly options: IngestionPublisherOptions,
  ) {
    this.dedup = new RecentIdCache(options.dedupCapacity);
  }

  /** Registers the REST history of a venue for backfilling its trade-id gaps. */
  setBackfiller(venue: Venue, backfiller: Backfiller): void {
    this.backfillers.set(venue, backfiller);
  }

  /** Takes the events of one frame (or one generator step). Returns how many were buffered. */
  accept(venue: Venue, events: Events, options: { sequentialTradeIds?: boolean } = {}): number {
    // Nothing in here writes: a trade-id gap is buffered, and the write is scheduled at the end,
    // so every event of the call lands in the same batch as its counts.
    const batch = this.pending;
    const instruments = this.instrumentsOf(venue);
    const sequential = options.sequentialTradeIds === true;
    let trades = 0;
    let newestTradeTs = 0;
    let liquidations = 0;
    let duplicates = 0;
    let ticks = 0;
    for (let i = 0; i < events.trades.length; i++) {
      const trade = events.trades[i]!;
      if (!this.valid('trade', venue, trade)) continue;
      const state = instruments.get(trade.venueSymbol) ?? this.addInstrument(venue, trade.venueSymbol);
      if (!state.tradeIds.add(trade.tradeId)) {
        duplicates += 1;
        continue;
      }
      if (sequential && !trade.backfill) {
        const gap = this.gapDetector.observe(state.key, Number(trade.tradeId), trade.ts);
        if (gap) this.onTradeIdGap(venue, trade.venueSymbol, gap);
      }
      batch.trades.push(trade);
      if (trade.exchange === venue) {
        this.touchTick(state, trade);
        trades += 1;
        if (trade.ts > newestTradeTs) newestTradeTs = trade.ts;
      } else {
        this.touchTick(this.stateOf(trade.exchange, trade.venueSymbol), trade);
        const counts = batch.countsOf(trade.exchange);
        counts.trade += 1;
        if (trade.ts > counts.newestTradeTs) counts.newestTradeTs = trade.ts;
      }
    }
    for (let i = 0; i < events.liquidations.length; i++) {
      const liquidation = events.liquidations[i]!;
      if (!this.valid('liquidation', venue, liquidation)) continue;
      const state =
        instruments.get(liquidation.venueSymbol) ?? this.addInstrument(venue, liquidation.venueSymbol);
      if (!state.liquidationIds.add(liquidation.eventId)) {
        duplicates += 1;
        continue;
      }
      batch.liquidations.push(liquidation);
      liquidations += 1;
    }
    for (let i = 0; i < events.ticks.length; i++) {
      const tick = events.ticks[i]!;
      if (!this.valid('tick', venue, tick)) continue;
      this.touchTick(this.stateOf(tick.exchange, tick.venueSymbol), tick);
      ticks += 1;
    }
    if (trades > 0) {
      const counts = batch.countsOf(venue);
      counts.trade += trades;
      if (newestTradeTs > counts.newestTradeTs) counts.newestTradeTs = newestTradeTs;
    }
    if (duplicates > 0) this.metrics.duplicates.inc({ venue }, duplicates);
    this.buffered += trades + liquidations;
    this.schedule();
    return trades + liquidations + ticks;
  }

  /** Publishes a gap event (a disconnect interval, or a trade-id range). */
  publishGap(gap: GapMessage): void {
    this.bufferGap(gap);
    this.schedule();
  }

  /** How many more events may be buffered before the buffer is four batches deep (what `whenWritable` waits for). */
  headroom(): number {
    return Math.max(0, this.options.batchSize * 4 - this.buffered);
  }

  /**
   * Resolves once the buffer is below four batches again (for sources that can wait: replay), and
   * after one turn of the event loop when a write started since the last call. The next batches
   * are parsed while earlier ones are being written.
   */
  async whenWritable(): Promise<void> {
    if (this.writesStarted !== this.writesSeen) {
      // A write started since the last call: one turn of the event loop lets Redis's replies in, so
      // the stream publisher sends what it queued behind its running send (its sends go one at a
      // time) while the source goes on, instead of all of it once the buffer is full.
      this.writesSeen = this.writesStarted;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    while (this.buffered >= this.options.batchSize * 4) {
      if (this.inFlight.size > 0) await Promise.race(this.inFlight);
      else await this.flushNow(); // or the back-off, while the stream publisher is full
    }
  }

  /** Writes everything buffered, waits for running backfills, and for Redis to acknowledge. */
  async flush(): Promise<void> {
    while (this.backfills.size > 0) await Promise.all([...this.backfills]);
    for (;;) {
      if (this.hasBuffered()) {
        const run = this.flushNow();
        if (this.backOff) await run;
        else if (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
      } else if (this.inFlight.size > 0) {
        await Promise.all([...this.inFlight]);
      } else {
        return;
      }
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.cancelTimer();
  }

  /**
   * Waits `flushMs` before the next write, keeping the buffer: the stream publisher is full (Redis
   * slow or away). Resolves when the wait is over; writes are not retried in a tight loop.
   */
  private waitForRoom(): Promise<void> {
    if (this.backOff) return this.backOff;
    this.cancelTimer();
    this.backOff = new Promise<void>((resolve) => {
      setTimeout(() => {
        this.backOff = null;
        resolve();
        if (!this.closed) this.schedule();
      }, this.options.flushMs);
    });
    return this.backOff;
  }

  private valid(kind: 'trade' | 'liquidation' | 'tick', venue: Venue, event: object): boolean {
    const reason = this.validators[kind].check(event);
    if (reason === null) return true;
    this.metrics.parseErrors.inc({ venue });
    this.logger.warn(
      { venue, kind, reason, sample: JSON.stringify(event).slice(0, 300) },
      'invalid normalized event skipped',
    );
    return false;
  }

  private instrumentsOf(venue: Venue): Map<string, InstrumentState> {
    let instruments = this.instruments.get(venue);
    if (!instruments) this.instruments.set(venue, (instruments = new Map<string, InstrumentState>()));
    return instruments;
  }

  private stateOf(venue: Venue, venueSymbol: string): InstrumentState {
    return this.instrumentsOf(venue).get(venueSymbol) ?? this.addInstrument(venue, venueSymbol);
  }

  private addInstrument(venue: Venue, venueSymbol: string): InstrumentState {
    const key = `${venue}:${venueSymbol}`;
    const state: InstrumentState = {
      key,
      tradeIds: this.dedup.idsOf(`t:${key}`),
      liquidationIds: this.dedup.idsOf(`l:${key}`),
      latest: null,
      streamedInterval: Number.NaN,
      dirty: false,
    };
    this.instrumentsOf(venue).set(venueSymbol, state);
    return state;
  }

  /**
   * Tracks the latest tick per venue instrument: a trade moves `last` and keeps the venue's last
   * quote. The TickMessage itself is only built when it is written (first event of a tick interval,
   * or the latest at a write), not once per trade.
   */
  private touchTick(state: InstrumentState, event: TickMessage | TradeMessage): void {
    let latest = state.latest;
    if (latest && latest.event.ts > event.ts) return; // an older event (a backfill) does not move the latest tick
    if (latest) latest.event = event;
    else state.latest = latest = { event, quote: null };
    if ('last' in event) latest.quote = event;
    if (!state.dirty) {
      state.dirty = true;
      this.dirty.push(state);
    }
    // Sampled by venue time, not by write timing, so a replay gives the same tick stream.
    const interval = Math.floor(event.ts / this.options.tickIntervalMs);
    if (state.streamedInterval !== interval) {
      state.streamedInterval = interval;
      this.pending.ticks.push(tickOf(latest));
      this.pending.countsOf(event.exchange).tick += 1;
      this.buffered += 1;
    }
  }

  /** Buffers a gap event without scheduling a write (the caller does). */
  private bufferGap(gap: GapMessage): void {
    this.pending.gaps.push(gap);
    this.pending.countsOf(gap.exchange).gap += 1;
    this.metrics.gaps.inc({ venue: gap.exchange, kind: gap.kind });
    this.buffered += 1;
  }

  private onTradeIdGap(venue: Venue, venueSymbol: string, gap: TradeIdGap): void {
    const message: GapMessage = {
      exchange: venue,
      venueSymbol,
      kind: 'trade_id',
      fromId: String(gap.fromId),
      toId: String(gap.toId),
      fromTs: gap.fromTs,
      toTs: gap.toTs,
      backfilled: false,
    };
    this.logger.warn(
      { venue, venueSymbol, fromId: gap.fromId, toId: gap.toId, missing: gap.toId - gap.fromId + 1 },
      'trade id gap',
    );
    this.bufferGap(message);
    const backfiller = this.backfillers.get(venue);
    if (!backfiller || this.closed) return;
    const run = this.backfill(venue, backfiller, message, gap).finally(() => this.backfills.delete(run));
    this.backfills.add(run);
  }

  private async backfill(
    venue: Venue,
    backfiller: Backfiller,
    message: GapMessage,
    gap: TradeIdGap,
  ): Promise<void> {
    try {
      const trades = await backfiller({
        venueSymbol: message.venueSymbol,
        fromId: gap.fromId,
        toId: gap.toId,
      });
      const inRange = trades.filter(
        (trade) => Number(trade.tradeId) >= gap.fromId && Number(trade.tradeId) <= gap.toId,
      );
      this.accept(venue, {
        trades: inRange.map((trade) => ({ ...trade, backfill: true })),
        liquidations: [],
        ticks: [],
      });
      this.metrics.backfilled.inc({ venue }, inRange.length);
      const complete = new Set(inRange.map((trade) => trade.tradeId)).size === gap.toId - gap.fromId + 1;
      if (complete) this.publishGap({ ...message, backfilled: true });
      this.logger.info(
        {
          venue,
          venueSymbol: message.venueSymbol,
          fromId: gap.fromId,
          toId: gap.toId,
          fetched: inRange.length,
          complete,
        },
        'gap backfilled',
      );
    } catch (error) {
      this.logger.warn(
        {
          venue,
          venueSymbol: message.venueSymbol,
          fromId: gap.fromId,
          toId: gap.toId,
          error: errorText(error),
        },
        'backfill failed',
      );
    }
  }

  private hasBuffered(): boolean {
    return this.pending.size + this.dirty.length > 0;
  }

  /**
   * Starts the next write when it is due: at once for a full batch; otherwise `flushMs` after the
   * last write started, or at the end of this turn of the event loop when that is already past (so
   * events arriving after a quiet spell wait for nothing, and writes still start at most every
   * `flushMs` under a steady stream).
   */
  private schedule(): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) return; // a finishing write schedules again
    if (this.backOff) return; // the end of the back-off schedules again
    if (this.buffered >= this.options.batchSize) {
      this.cancelTimer();
      void this.flushNow();
      return;
    }
    if (this.timer || !this.hasBuffered()) return;
    const wait = this.lastWriteAt + this.options.flushMs - performance.now();
    const fire = () => {
      this.timer = null;
      void this.flushNow();
    };
    this.timer = wait > 0 ? setTimeout(fire, wait) : setImmediate(fire);
  }

  private cancelTimer(): void {
    if (!this.timer) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = null;
  }

  /**
   * Hands the buffer to Redis. Up to MAX_IN_FLIGHT writes overlap; the stream publisher keeps their
   * order, so a stream's events stay in the order they were accepted.
   */
  private flushNow(): Promise<void> {
    if (!this.hasBuffered()) return Promise.resolve();
    if (this.backOff) return this.backOff;
    // All of the batch or nothing: were the stream publisher to refuse one of its streams after
    // taking another, the retry would write the taken one twice.
    if (this.pending.size > this.streams.headroom && this.streams.bufferedEvents > 0)
      return this.waitForRoom();
    const batch = this.pending;
    const dirty = this.dirty;
    this.pending = new PendingBatch();
    this.dirty = [];
    const latest = dirty.map((state) => {
      state.dirty = false;
      return tickOf(state.latest!);
    });
    const count = batch.size;
    this.writesStarted += 1;
    this.lastWriteAt = performance.now();
    const run: Promise<void> = this.write(batch, latest)
      .catch((error: unknown) => {
        if (error instanceof PublisherOverloadedError) {
          // Redis is not keeping up: keep the events and try again after a pause.
          this.pending = batch.followedBy(this.pending);
          for (const state of dirty) {
            if (state.dirty) continue;
            state.dirty = true;
            this.dirty.push(state);
          }
          void this.waitForRoom();
          return;
        }
        this.metrics.publishFailures.inc({ stream: 'all' });
        this.buffered -= count;
        this.logger.error(
          { error: errorText(error), trades: batch.trades.length, liquidations: batch.liquidations.length },
          'events could not be written',
        );
      })
      .finally(() => {
        this.inFlight.delete(run);
        if (!this.closed) this.schedule();
      });
    this.inFlight.add(run);
    return run;
  }

  private async write(batch: PendingBatch, latest: TickMessage[]): Promise<void> {
    const writes: Array<Promise<unknown>> = [];
    if (batch.trades.length > 0) writes.push(this.streams.publish(TradeStream, batch.trades));
    if (batch.liquidations.length > 0)
      writes.push(this.streams.publish(LiquidationStream, batch.liquidations));
    if (batch.gaps.length > 0) writes.push(this.streams.publish(GapStream, batch.gaps));
    if (batch.ticks.length > 0) writes.push(this.streams.publish(TickStream, batch.ticks));
    if (latest.length > 0) writes.push(this.writeLatest(latest));
    await Promise.all(writes);
    this.buffered -= batch.size;
    // Counted per venue and type once per write (the counts were kept per accepted frame).
    const now = Date.now();
    for (const liquidation of batch.liquidations) {
      this.metrics.eventsOut.inc({ venue: liquidation.exchange, type: 'liquidation' });
      this.metrics.lag.observe({ venue: liquidation.exchange }, Math.max(0, now - liquidation.ts) / 1000);
    }
    for (const [venue, counts] of batch.perVenue) {
      if (counts.trade > 0) {
        this.metrics.eventsOut.inc({ venue, type: 'trade' }, counts.trade);
        // Lag of the newest trade of each venue in the batch: one observation per venue per write.
        this.metrics.lag.observe({ venue }, Math.max(0, now - counts.newestTradeTs) / 1000);
      }
      if (counts.gap > 0) this.metrics.eventsOut.inc({ venue, type: 'gap' }, counts.gap);
      if (counts.tick > 0) this.metrics.eventsOut.inc({ venue, type: 'tick' }, counts.tick);
    }
  }

  /**
   * Refreshes tick:latest:<SYMBOL> with the newest tick of each symbol (any venue) and publishes it on
   * tick:updates:<SYMBOL>. One key per command, so it works on a cluster too.
   */
  private async writeLatest(ticks: TickMessage[]): Promise<void> {
    const newest = new Map<string, TickMessage>();
    for (const tick of ticks) {
      const current = newest.get(tick.symbol) ?? null;
      const written = this.latestWrittenTs.get(tick.symbol) ?? -1;
      if (tick.ts >= written && (!current || tick.ts >= current.ts)) newest.set(tick.symbol, tick);
    }
    const ttlMs = this.options.tickTtlSeconds * 1000;
    const pipeline = isCluster(this.redis) ? null : this.redis.pipeline();
    const singles: Array<Promise<unknown>> = [];
    for (const tick of newest.values()) {
      this.latestWrittenTs.set(tick.symbol, tick.ts);
      const key = tickLatestKey(tick.symbol);
      const { set, absent } = tickFields(tick);
      const channel = tickUpdateChannel(tick.symbol);
      const json = JSON.stringify(tick);
      if (pipeline) {
        pipeline.hset(key, set);
        if (absent.length > 0) pipeline.hdel(key, ...absent);
        pipeline.pexpire(key, ttlMs);
        pipeline.publish(channel, json);
      } else {
        singles.push(
          (async () => {
            await this.redis.hset(key, set);
            if (absent.length > 0) await this.redis.hdel(key, ...absent);
            await this.redis.pexpire(key, ttlMs);
            await this.redis.publish(channel, json);
          })(),
        );
      }
    }
    if (pipeline) {
      const failed = ((await pipeline.exec()) ?? []).find(([error]) => error);
      if (failed) throw failed[0]!;
    }
    await Promise.all(singles);
  }
}

const OPTIONAL_TICK_FIELDS = ['bid', 'ask', 'bidSize', 'askSize'] as const;

function tickFields(tick: TickMessage): { set: Record<string, string>; absent: string[] } {
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(tick)) if (value !== undefined) set[name] = String(value);
  return { set, absent: OPTIONAL_TICK_FIELDS.filter((name) => tick[name] === undefined) };
}
