import type Redis from 'ioredis';
import {
  GapStream,
  TickStream,
  TradeStream,
  type GapMessage,
  type TickMessage,
  type TradeMessage,
} from '@mdp/schemas';
import { aTrade } from '@mdp/schemas/testing';
import { createLogger, createRedisConnection } from '@mdp/platform';
import { createTestRedis, testRedisUrl } from '@mdp/testing';
import { StreamPublisher } from '@mdp/transport';
import { IngestionMetrics } from '../src/metrics/ingestion.metrics';
import { tickLatestKey } from '../src/publishing/ingestion-keys';
import { IngestionPublisher } from '../src/publishing/ingestion.publisher';
import { counterValue, readStream } from './ingestion-harness';

const SYMBOLS = [
  { venueSymbol: 'BTCUSDT', symbol: 'BTC-USDT', base: 'BTC' },
  { venueSymbol: 'ETHUSDT', symbol: 'ETH-USDT', base: 'ETH' },
  { venueSymbol: 'SOLUSDT', symbol: 'SOL-USDT', base: 'SOL' },
] as const;
const T0 = 1_700_000_000_000;

/** Trade `n` of one instrument: consecutive ids, 10 ms apart in venue time. */
function trade(instrument: (typeof SYMBOLS)[number], n: number): TradeMessage {
  return aTrade({ ...instrument, tradeId: String(1_000 + n), ts: T0 + n * 10, recvTs: T0 + n * 10 + 3 });
}

describe(IngestionPublisher.name, () => {
  let redis: Redis;
  let connection: Redis;

  beforeEach(async () => {
    redis = await createTestRedis();
    connection = createRedisConnection(testRedisUrl()) as Redis;
  });

  afterEach(async () => {
    connection.disconnect();
    await redis.quit();
  });

  it('writes every event once, in order per instrument, with exact counts, while the stream publisher is full', async () => {
    const logger = createLogger('ingestion-publisher-test', 'error');
    // Four overlapping 1000-trade writes (plus their ticks) fill a stream publisher that holds at
    // most 4500 unsent events, so later writes wait for room instead of being refused half-way.
    const streams = new StreamPublisher(connection, { maxBufferedEvents: 4_500, validate: false, logger });
    const metrics = new IngestionMetrics();
    const publisher = new IngestionPublisher(connection, streams, metrics, logger, {
      dedupCapacity: 100_000,
      flushMs: 5,
      batchSize: 1_000,
      tickTtlSeconds: 60,
      tickIntervalMs: 100,
    });
    const before = {
      trades: await counterValue('mdp_ingestion_events_out_total', { venue: 'binance', type: 'trade' }),
      ticks: await counterValue('mdp_ingestion_events_out_total', { venue: 'binance', type: 'tick' }),
      gaps: await counterValue('mdp_ingestion_events_out_total', { venue: 'binance', type: 'gap' }),
      duplicates: await counterValue('mdp_ingestion_duplicates_total', { venue: 'binance' }),
    };
    const perInstrument = 3_000;
    let duplicatesSent = 0;
    for (let n = 0; n < perInstrument; n += 10) {
      for (const instrument of SYMBOLS) {
        const frame: TradeMessage[] = [];
        // Trade 1500 of ETH never arrives: a trade-id gap.
        for (let i = n; i < n + 10; i++)
          if (!(instrument.base === 'ETH' && i === 1_500)) frame.push(trade(instrument, i));
        if (n > 0 && n % 100 === 0) {
          frame.push(trade(instrument, n - 1)); // a resend: dropped as a duplicate
          duplicatesSent += 1;
        }
        publisher.accept(
          'binance',
          { trades: frame, liquidations: [], ticks: [] },
          { sequentialTradeIds: true },
        );
      }
      await publisher.whenWritable();
    }
    await publisher.close();
    await streams.close();

    const trades = await readStream<TradeMessage>(redis, TradeStream);
    expect(trades).toHaveLength(3 * perInstrument - 1);
    for (const instrument of SYMBOLS) {
      const ids = trades
        .filter((t) => t.venueSymbol === instrument.venueSymbol)
        .map((t) => Number(t.tradeId));
      const expected = Array.from({ length: perInstrument }, (_, i) => 1_000 + i).filter(
        (id) => !(instrument.base === 'ETH' && id === 2_500),
      );
      expect(ids).toEqual(expected);
    }
    const gaps = await readStream<GapMessage>(redis, GapStream);
    expect(gaps).toEqual([
      expect.objectContaining({
        exchange: 'binance',
        venueSymbol: 'ETHUSDT',
        kind: 'trade_id',
        fromId: '2500',
        toId: '2500',
      }),
    ]);
    // One tick per instrument per 100 ms of venue time (trades are 10 ms apart): 300 per instrument.
    const ticks = await readStream<TickMessage>(redis, TickStream);
    expect(ticks).toHaveLength(3 * (perInstrument / 10));
    expect(streams.stats.eventsPublished).toBe(trades.length + gaps.length + ticks.length);

    expect(await counterValue('mdp_ingestion_events_out_total', { venue: 'binance', type: 'trade' })).toBe(
      before.trades + trades.length,
    );
    expect(await counterValue('mdp_ingestion_events_out_total', { venue: 'binance', type: 'tick' })).toBe(
      before.ticks + ticks.length,
    );
    expect(await counterValue('mdp_ingestion_events_out_total', { venue: 'binance', type: 'gap' })).toBe(
      before.gaps + 1,
    );
    expect(await counterValue('mdp_ingestion_duplicates_total', { venue: 'binance' })).toBe(
      before.duplicates + duplicatesSent,
    );
    // The newest trade of each instrument is what tick:latest holds.
    expect(await redis.hget(tickLatestKey('ETH-USDT'), 'last')).toBe(
      String(trade(SYMBOLS[1], perInstrument - 1).price),
    );
    expect(await redis.hget(tickLatestKey('ETH-USDT'), 'ts')).toBe(String(T0 + (perInstrument - 1) * 10));
  });

  it('writes at once after a quiet spell, then no sooner than INGESTION_FLUSH_MS after the last write started', async () => {
    const logger = createLogger('ingestion-publisher-test', 'error');
    const streams = new StreamPublisher(connection, { validate: false, logger });
    const publisher = new IngestionPublisher(connection, streams, new IngestionMetrics(), logger, {
      dedupCapacity: 1_000,
      flushMs: 1_500,
      batchSize: 1_000,
      tickTtlSeconds: 60,
      tickIntervalMs: 100,
    });
    const btc = SYMBOLS[0];
    const written = async () => (await readStream<TradeMessage>(redis, TradeStream)).length;
    const waitForCount = async (count: number, withinMs: number): Promise<number> => {
      const started = Date.now();
      while ((await written()) < count && Date.now() - started < withinMs)
        await new Promise((resolve) => setTimeout(resolve, 5));
      return Date.now() - started;
    };
    // Nothing written before: the first frame goes out within the event loop's turn, not 1.5 s later.
    publisher.accept('binance', { trades: [trade(btc, 0), trade(btc, 1)], liquidations: [], ticks: [] });
    expect(await waitForCount(2, 1_000)).toBeLessThan(1_000);
    expect(await written()).toBe(2);
    // The next frame, right after: it waits for the spacing (1.5 s after the first write started).
    publisher.accept('binance', { trades: [trade(btc, 2)], liquidations: [], ticks: [] });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await written()).toBe(2);
    await waitForCount(3, 3_000);
    expect(await written()).toBe(3);
    // A quiet spell longer than the spacing: the next frame goes out at once again.
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    publisher.accept('binance', { trades: [trade(btc, 3)], liquidations: [], ticks: [] });
    expect(await waitForCount(4, 1_000)).toBeLessThan(1_000);
    await publisher.close();
    await streams.close();
    expect((await readStream<TradeMessage>(redis, TradeStream)).map((t) => t.tradeId)).toEqual([
      '1000',
      '1001',
      '1002',
      '1003',
    ]);
  });
});
