import type Redis from 'ioredis';
import { LiquidationStream, TradeStream, type LiquidationMessage, type TradeMessage } from '@mdp/schemas';
import { aLiquidation, aTrade } from '@mdp/schemas/testing';
import { StreamPublisher } from '@mdp/transport';

export const HOUR = 3_600_000;

/** Coins the test events are spread over (the flow aggregator's default coins). */
const COINS = ['BTC', 'ETH'] as const;
const PRICE: Record<(typeof COINS)[number], number> = { BTC: 65_000, ETH: 3_200 };

/** One acknowledged XADD: the entry id Redis returned and the event ids it carries. */
export interface LoggedEntry {
  stream: string;
  entryId: string;
  eventIds: string[];
  /** When the producer had Redis's acknowledgement (ms). */
  ackedAt: number;
}

/**
 * The test's producer: publishes numbered liquidations and trades with StreamPublisher and records
 * every XADD Redis acknowledged (entry id and event ids): the producer's log, against which the
 * warm store and the dead-letter streams are compared. Event times are laid out from `base` (an
 * hour boundary), `stepMs` apart, so every event falls in one known hour window.
 */
export class TestProducer {
  readonly log: LoggedEntry[] = [];
  /** eventId -> the event, for every liquidation whose XADD was acknowledged. */
  readonly liquidations = new Map<string, LiquidationMessage>();
  /** tradeId -> the trade, for every acknowledged trade. */
  readonly trades = new Map<string, TradeMessage>();
  private nextLiquidation = 0;
  private nextTrade = 0;
  readonly publisher: StreamPublisher;

  constructor(
    redis: Redis,
    readonly base: number,
    private readonly stepMs = 10,
    private readonly eventsPerEntry = 20,
  ) {
    this.publisher = new StreamPublisher(redis, { maxEventsPerEntry: eventsPerEntry });
  }

  makeLiquidations(count: number): LiquidationMessage[] {
    return Array.from({ length: count }, () => {
      const n = this.nextLiquidation++;
      const coin = COINS[n % COINS.length]!;
      const price = PRICE[coin] * (1 + (n % 7) / 1000);
      const size = Number(((50_000 + (n % 13) * 1_000) / price).toFixed(6));
      const ts = this.base + n * this.stepMs;
      return aLiquidation({
        eventId: `e2e:${coin}:liq:${n}`,
        symbol: `${coin}-USDT`,
        base: coin,
        venueSymbol: `${coin}USDT`,
        positionSide: Math.floor(n / 2) % 2 === 0 ? 'long' : 'short',
        orderSide: Math.floor(n / 2) % 2 === 0 ? 'sell' : 'buy',
        price,
        size,
        notionalUsd: price * size,
        ts,
        recvTs: ts + 3,
      });
    });
  }

  makeTrades(count: number): TradeMessage[] {
    return Array.from({ length: count }, () => {
      const n = this.nextTrade++;
      const coin = COINS[n % COINS.length]!;
      const price = PRICE[coin] * (1 + ((n % 11) - 5) / 10_000);
      const size = 0.01 + (n % 5) / 100;
      const ts = this.base + n * this.stepMs;
      return aTrade({
        tradeId: `t${n}`,
        symbol: `${coin}-USDT`,
        base: coin,
        venueSymbol: `${coin}USDT`,
        price,
        size,
        notionalUsd: price * size,
        side: Math.floor(n / 2) % 3 === 0 ? 'sell' : 'buy',
        ts,
        recvTs: ts + 2,
      });
    });
  }

  async publishLiquidations(events: LiquidationMessage[]): Promise<void> {
    const ids = await this.publisher.publish(LiquidationStream, events);
    this.record(
      LiquidationStream.stream,
      ids,
      events.map((event) => event.eventId),
    );
    for (const event of events) this.liquidations.set(event.eventId, event);
  }

  async publishTrades(events: TradeMessage[]): Promise<void> {
    const ids = await this.publisher.publish(TradeStream, events);
    this.record(
      TradeStream.stream,
      ids,
      events.map((event) => event.tradeId),
    );
    for (const event of events) this.trades.set(event.tradeId, event);
  }

  /**
   * Publishes `batches` rounds of `liquidationsPerBatch` liquidations and `tradesPerBatch` trades,
   * `intervalMs` apart (steady load); `onBatch` runs after each acknowledged round.
   */
  async load({
    batches,
    liquidationsPerBatch,
    tradesPerBatch = 0,
    intervalMs = 20,
    onBatch,
  }: {
    batches: number;
    liquidationsPerBatch: number;
    tradesPerBatch?: number;
    intervalMs?: number;
    onBatch?: (batch: number) => Promise<void> | void;
  }): Promise<void> {
    for (let batch = 0; batch < batches; batch++) {
      const work: Array<Promise<void>> = [];
      if (liquidationsPerBatch > 0)
        work.push(this.publishLiquidations(this.makeLiquidations(liquidationsPerBatch)));
      if (tradesPerBatch > 0) work.push(this.publishTrades(this.makeTrades(tradesPerBatch)));
      await Promise.all(work);
      await onBatch?.(batch);
      if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /**
   * Entry ids are one per batch frame of up to `eventsPerEntry` events. When a call's events went
   * into frames of their own (the count of ids says so), each entry is logged with exactly its
   * events; otherwise (frames shared with another call) with all of the call's events.
   */
  private record(stream: string, entryIds: string[], eventIds: string[]): void {
    // One call at a time per stream (the load awaits each): its events fill its own frames in order.
    const exact = entryIds.length === Math.ceil(eventIds.length / this.eventsPerEntry);
    const ackedAt = Date.now();
    entryIds.forEach((entryId, i) =>
      this.log.push({
        stream,
        entryId,
        eventIds: exact ? eventIds.slice(i * this.eventsPerEntry, (i + 1) * this.eventsPerEntry) : eventIds,
        ackedAt,
      }),
    );
  }

  entriesOf(stream: string): Set<string> {
    return new Set(this.log.filter((entry) => entry.stream === stream).map((entry) => entry.entryId));
  }
}
