import type Redis from 'ioredis';
import { SyntheticMarketGenerator } from '@mdp/domain-ingestion';
import { LiquidationStream, TradeStream, type LiquidationMessage, type TradeMessage } from '@mdp/schemas';
import { HealthRegistry } from '@mdp/platform';
import { decodeEntry } from '@mdp/transport';
import { createTestRedis, waitFor } from '@mdp/testing';
import { tickLatestKey, tickUpdateChannel } from '../src/publishing/ingestion-keys';
import { GeneratorSource } from '../src/sources/generator.source';
import { readStream, startIngestion } from './ingestion-harness';

describe(GeneratorSource.name, () => {
  let redis: Redis;
  let subscriber: Redis;

  beforeEach(async () => {
    redis = await createTestRedis();
    subscriber = redis.duplicate();
  });

  afterEach(async () => {
    subscriber.disconnect();
    await redis.quit();
  });

  it('publishes the seeded synthetic market, keeps tick:latest current with a TTL and notifies each update', async () => {
    const notices: string[] = [];
    await subscriber.subscribe(tickUpdateChannel('BTC-USD'));
    subscriber.on('message', (channel: string, message: string) => notices.push(`${channel} ${message}`));
    // Start an hour in the past: the whole first hour's events are due at once, deterministically.
    const startTs = Date.now() - 3_600_000;
    const ingestion = await startIngestion({
      INGESTION_SOURCE: 'generator',
      INGESTION_SYMBOLS: 'BTC,ETH,HYPE',
      INGESTION_GENERATOR_SEED: '7',
      INGESTION_GENERATOR_RATE: '1',
      INGESTION_GENERATOR_START_TS: String(startTs),
      INGESTION_TICK_TTL_SECONDS: '120',
    });
    try {
      expect((await ingestion.app.get(HealthRegistry).run()).ok).toBe(true);
      await waitFor(
        'the first hour of trades',
        async () => (await readStream(redis, TradeStream)).length >= 3_000,
      );
    } finally {
      await ingestion.close();
    }
    const published = await readStream<TradeMessage>(redis, TradeStream);
    const liquidations = await readStream<LiquidationMessage>(redis, LiquidationStream);

    // Exactly what the domain generator yields for the same seed and start.
    const generator = new SyntheticMarketGenerator({
      seed: 7,
      startTs,
      bases: ['BTC', 'ETH', 'HYPE'],
      tradesPerSecond: 1,
    });
    const expected: TradeMessage[] = [];
    const expectedLiquidations: LiquidationMessage[] = [];
    while (expected.length < published.length) {
      const event = generator.next();
      if (event.kind === 'trade') expected.push(event.trade);
      else expectedLiquidations.push(event.liquidation);
    }
    expect(published).toEqual(expected);
    expect(liquidations).toEqual(expectedLiquidations.slice(0, liquidations.length));
    expect(published.every((trade) => trade.exchange === 'synthetic')).toBe(true);

    const lastBtc = [...published].reverse().find((trade) => trade.symbol === 'BTC-USD')!;
    expect(await redis.hgetall(tickLatestKey('BTC-USD'))).toEqual({
      exchange: 'synthetic',
      market: 'perp',
      symbol: 'BTC-USD',
      base: 'BTC',
      quote: 'USD',
      venueSymbol: 'BTC',
      last: String(lastBtc.price),
      ts: String(lastBtc.ts),
      recvTs: String(lastBtc.recvTs),
    });
    const ttl = await redis.pttl(tickLatestKey('BTC-USD'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120_000);
    await waitFor('the notification of the last BTC tick', () =>
      notices.some((notice) => notice.includes(`"ts":${lastBtc.ts}`)),
    );
    expect(notices[0]!.startsWith('tick:updates:BTC-USD {')).toBe(true);
  });

  it('publishes a backlog larger than the publisher may hold in full, falling behind instead of overloading it', async () => {
    // About 300k events due at once: more than the publisher's 200k buffer. The generator hands over
    // at most four batches at a time, so every event arrives, in order.
    const startTs = Date.now() - 600_000;
    const options = { seed: 9, startTs, bases: ['BTC', 'ETH', 'HYPE'], tradesPerSecond: 400 };
    const generator = new SyntheticMarketGenerator(options);
    let due = 0;
    while (generator.peekTs() < startTs + 600_000) {
      if (generator.next().kind === 'trade') due += 1;
    }
    expect(due).toBeGreaterThan(250_000);
    const ingestion = await startIngestion({
      INGESTION_SOURCE: 'generator',
      INGESTION_SYMBOLS: 'BTC,ETH,HYPE',
      INGESTION_GENERATOR_SEED: '9',
      INGESTION_GENERATOR_RATE: '400',
      INGESTION_GENERATOR_START_TS: String(startTs),
    });
    try {
      // Published in time order: once a trade of after the backlog is in the stream, all of it is.
      await waitFor(
        'the whole backlog',
        async () => {
          const [last] = await redis.xrevrangeBuffer(TradeStream.stream, '+', '-', 'COUNT', 1);
          return (
            last &&
            (decodeEntry(last[1]).events as TradeMessage[]).some((trade) => trade.ts >= startTs + 600_000)
          );
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
    } finally {
      await ingestion.close();
    }
    const published = (await readStream<TradeMessage>(redis, TradeStream)).filter(
      (trade) => trade.ts < startTs + 600_000,
    );
    expect(published).toHaveLength(due);
    expect(published.every((trade, i) => i === 0 || trade.ts >= published[i - 1]!.ts)).toBe(true);
  }, 180_000);

  it('with an end time publishes exactly the events before it, then says finished', async () => {
    const startTs = Date.now() - 120_000;
    const endTs = startTs + 60_000;
    const generator = new SyntheticMarketGenerator({
      seed: 5,
      startTs,
      bases: ['BTC', 'ETH', 'HYPE'],
      tradesPerSecond: 50,
    });
    const expected: TradeMessage[] = [];
    while (generator.peekTs() < endTs) {
      const event = generator.next();
      if (event.kind === 'trade') expected.push(event.trade);
    }
    const ingestion = await startIngestion({
      INGESTION_SOURCE: 'generator',
      INGESTION_SYMBOLS: 'BTC,ETH,HYPE',
      INGESTION_GENERATOR_SEED: '5',
      INGESTION_GENERATOR_RATE: '50',
      INGESTION_GENERATOR_START_TS: String(startTs),
      INGESTION_GENERATOR_END_TS: String(endTs),
    });
    const source = async () =>
      (await ingestion.app.get(HealthRegistry).run()).checks['ingestion-source'] as { finished?: boolean };
    try {
      await waitFor('the source to finish', async () => (await source()).finished === true);
      await waitFor(
        'every trade before the end',
        async () => (await readStream(redis, TradeStream)).length >= expected.length,
      );
      // Nothing more comes: the market has ended.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await ingestion.close();
    }
    expect(await readStream<TradeMessage>(redis, TradeStream)).toEqual(expected);
  });
});
