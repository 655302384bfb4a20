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
import { RecentIdCache, TradeIdGapDetector, type ParsedFrame, type TradeIdGap } from '@mdp/domain-ingestion';
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
  private trades: TradeMessage[] = [];
  private liquidations: LiquidationMessage[] = [];
  private gaps: GapMessage[] = [];
  private readonly latestTicks = new Map<string, LatestTick>();
  private readonly latestWrittenTs = new Map<string, number>();
  private dirtyTicks = new Set<string>();
  private streamTicks: TickMessage[] = [];
  private readonly streamedInterval = new Map<string, number>();
  private buffered = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly backfills = new Set<Promise<void>>();
  private closed = false;

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
    let accepted = 0;
    let ticks = 0;
    for (const trade of events.trades) {
      if (!this.valid('trade', venue, trade)) continue;
      const key = `${venue}:${trade.venueSymbol}`;
      if (!this.dedup.add(`t:${key}`, trade.tradeId)) {
        this.metrics.duplicates.inc({ venue });
        continue;
      }
      if (options.sequentialTradeIds && !trade.backfill) {
        const gap = this.gapDetector.observe(key, Number(trade.tradeId), trade.ts);
        if (gap) this.onTradeIdGap(venue, trade.venueSymbol, gap);
      }
      this.trades.push(trade);
      this.touchTick(trade.exchange, trade.venueSymbol, trade);
      accepted += 1;
    }
    for (const liquidation of events.liquidations) {
      if (!this.valid('liquidation', venue, liquidation)) continue;
      if (!this.dedup.add(`l:${venue}:${liquidation.venueSymbol}`, liquidation.eventId)) {
        this.metrics.duplicates.inc({ venue });
        continue;
      }
      this.liquidations.push(liquidation);
      accepted += 1;
    }
    for (const tick of events.ticks) {
      if (!this.valid('tick', venue, tick)) continue;
      this.touchTick(tick.exchange, tick.venueSymbol, tick);
      ticks += 1;
    }
    this.buffered += accepted;
    this.schedule();
    return accepted + ticks;
  }

  /** Publishes a gap event (a disconnect interval, or a trade-id range). */
  publishGap(gap: GapMessage): void {
    this.gaps.push(gap);
    this.metrics.gaps.inc({ venue: gap.exchange, kind: gap.kind });
    this.buffered += 1;
    this.schedule();
  }

  /** How many more events may be buffered before the buffer is four batches deep (what `whenWritable` waits for). */
  headroom(): number {
    return Math.max(0, this.options.batchSize * 4 - this.buffered);
  }

  /**
   * Resolves once the buffer is below four batches again (for sources that can wait: replay). The
   * next batches are parsed while earlier ones are being written.
   */
  async whenWritable(): Promise<void> {
    while (this.buffered >= this.options.batchSize * 4) {
      if (this.inFlight.size > 0) await Promise.race(this.inFlight);
      else await this.flushNow();
    }
  }

  /** Writes everything buffered, waits for running backfills, and for Redis to acknowledge. */
  async flush(): Promise<void> {
    while (this.backfills.size > 0) await Promise.all([...this.backfills]);
    for (;;) {
      if (this.hasBuffered()) {
        void this.flushNow();
        if (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private valid(kind: 'trade' | 'liquidation' | 'tick', venue: Venue, event: object): boolean {
    const result = this.validators[kind].validate(event);
    if (result.ok) return true;
    this.metrics.parseErrors.inc({ venue });
    this.logger.warn(
      { venue, kind, reason: result.reason, sample: JSON.stringify(event).slice(0, 300) },
      'invalid normalized event skipped',
    );
    return false;
  }

  /**
   * Tracks the latest tick per venue instrument: a trade moves `last` and keeps the venue's last
   * quote. The TickMessage itself is only built when it is written (first event of a tick interval,
   * or the latest at a write), not once per trade.
   */
  private touchTick(exchange: Venue, venueSymbol: string, event: TickMessage | TradeMessage): void {
    const key = `${exchange}:${venueSymbol}`;
    let state = this.latestTicks.get(key);
    if (state && state.event.ts > event.ts) return; // an older event (a backfill) does not move the latest tick
    if (state) state.event = event;
    else this.latestTicks.set(key, (state = { event, quote: null }));
    if ('last' in event) state.quote = event;
    this.dirtyTicks.add(key);
    // Sampled by venue time, not by write timing, so a replay gives the same tick stream.
    const interval = Math.floor(event.ts / this.options.tickIntervalMs);
    if (this.streamedInterval.get(key) !== interval) {
      this.streamedInterval.set(key, interval);
      this.streamTicks.push(tickOf(state));
      this.buffered += 1;
    }
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
    this.publishGap(message);
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
    return (
      this.trades.length +
        this.liquidations.length +
        this.gaps.length +
        this.streamTicks.length +
        this.dirtyTicks.size >
      0
    );
  }

  private schedule(): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) return; // a finishing write schedules again
    if (this.buffered >= this.options.batchSize) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.flushNow();
      return;
    }
    if (!this.timer && this.hasBuffered()) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flushNow();
      }, this.options.flushMs);
    }
  }

  /**
   * Hands the buffer to Redis. Up to MAX_IN_FLIGHT writes overlap; the stream publisher keeps their
   * order, so a stream's events stay in the order they were accepted.
   */
  private flushNow(): Promise<void> {
    if (!this.hasBuffered()) return Promise.resolve();
    const trades = this.trades;
    const liquidations = this.liquidations;
    const gaps = this.gaps;
    const latest = [...this.dirtyTicks].map((key) => tickOf(this.latestTicks.get(key)!));
    const ticks = this.streamTicks;
    this.streamTicks = [];
    this.trades = [];
    this.liquidations = [];
    this.gaps = [];
    this.dirtyTicks = new Set();
    const count = trades.length + liquidations.length + gaps.length + ticks.length;
    const run: Promise<void> = this.write(trades, liquidations, gaps, ticks, latest)
      .catch((error: unknown) => {
        if (error instanceof PublisherOverloadedError) {
          // Redis is not keeping up: keep the events and try again on the next flush.
          this.trades = trades.concat(this.trades);
          this.liquidations = liquidations.concat(this.liquidations);
          this.gaps = gaps.concat(this.gaps);
          this.streamTicks = ticks.concat(this.streamTicks);
          for (const tick of latest) this.dirtyTicks.add(`${tick.exchange}:${tick.venueSymbol}`);
          return;
        }
        this.metrics.publishFailures.inc({ stream: 'all' });
        this.buffered -= count;
        this.logger.error(
          { error: errorText(error), trades: trades.length, liquidations: liquidations.length },
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

  private async write(
    trades: TradeMessage[],
    liquidations: LiquidationMessage[],
    gaps: GapMessage[],
    ticks: TickMessage[],
    latest: TickMessage[],
  ): Promise<void> {
    const writes: Array<Promise<unknown>> = [];
    if (trades.length > 0) writes.push(this.streams.publish(TradeStream, trades));
    if (liquidations.length > 0) writes.push(this.streams.publish(LiquidationStream, liquidations));
    if (gaps.length > 0) writes.push(this.streams.publish(GapStream, gaps));
    if (ticks.length > 0) writes.push(this.streams.publish(TickStream, ticks));
    if (latest.length > 0) writes.push(this.writeLatest(latest));
    await Promise.all(writes);
    this.buffered -= trades.length + liquidations.length + gaps.length + ticks.length;
    const now = Date.now();
    const perVenue = new Map<Venue, { trade: number; liquidation: number }>();
    for (const trade of trades) {
      const counts = perVenue.get(trade.exchange) ?? { trade: 0, liquidation: 0 };
      counts.trade += 1;
      perVenue.set(trade.exchange, counts);
    }
    for (const liquidation of liquidations) {
      const counts = perVenue.get(liquidation.exchange) ?? { trade: 0, liquidation: 0 };
      counts.liquidation += 1;
      perVenue.set(liquidation.exchange, counts);
      this.metrics.lag.observe({ venue: liquidation.exchange }, Math.max(0, now - liquidation.ts) / 1000);
    }
    for (const [venue, counts] of perVenue) {
      if (counts.trade > 0) this.metrics.eventsOut.inc({ venue, type: 'trade' }, counts.trade);
      if (counts.liquidation > 0)
        this.metrics.eventsOut.inc({ venue, type: 'liquidation' }, counts.liquidation);
    }
    // Lag of the newest trade of each venue in the batch: one observation per venue per write.
    const newest = new Map<Venue, number>();
    for (const trade of trades)
      if ((newest.get(trade.exchange) ?? 0) < trade.ts) newest.set(trade.exchange, trade.ts);
    for (const [venue, ts] of newest) this.metrics.lag.observe({ venue }, Math.max(0, now - ts) / 1000);
    for (const gap of gaps) this.metrics.eventsOut.inc({ venue: gap.exchange, type: 'gap' });
    for (const tick of ticks) this.metrics.eventsOut.inc({ venue: tick.exchange, type: 'tick' });
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
