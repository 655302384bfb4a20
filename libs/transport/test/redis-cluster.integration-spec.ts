import { LiquidationStream, TradeStream, type TradeMessage } from '@mdp/schemas';
import { aLiquidation, aTrade } from '@mdp/schemas/testing';
import { createRedisConnection, type RedisClient } from '@mdp/platform';
import { startLocalRedisCluster, waitFor, type LocalRedisCluster } from '@mdp/testing';
import { StreamPublisher, StreamTrimmer, decodeEntry } from '../src';
import { startConsumer, type TestConsumer } from './consumer-app';

describe('Redis Streams transport on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let redis: RedisClient;
  let consumer: TestConsumer | undefined;

  beforeAll(async () => {
    cluster = await startLocalRedisCluster();
    redis = createRedisConnection(cluster.url);
  });

  afterAll(async () => {
    await consumer?.close();
    redis.disconnect();
    await cluster.stop();
  });

  it('publishes to streams in different slots, consumes in a group, dead-letters and trims, unchanged', async () => {
    const seen: string[] = [];
    consumer = await startConsumer(
      cluster.url,
      (batch: TradeMessage[]) => {
        if (batch.some((trade) => trade.tradeId === 'poison'))
          return Promise.reject(new Error('poison trade'));
        seen.push(...batch.map((trade) => trade.tradeId));
        return Promise.resolve();
      },
      { maxLen: 5, trimIntervalMs: 100, retryBackoffMs: 1 },
    );
    const publisher = new StreamPublisher(redis, { maxEventsPerEntry: 10 });
    const trades = Array.from({ length: 200 }, (_, i) => aTrade({ tradeId: String(i) }));
    // One publish call spanning two streams (two hash slots): the publisher splits the pipeline per slot.
    await Promise.all([
      publisher.publish(TradeStream, [
        ...trades.slice(0, 100),
        aTrade({ tradeId: 'poison' }),
        ...trades.slice(100),
      ]),
      publisher.publish(LiquidationStream, aLiquidation()),
    ]);

    await waitFor('all 200 good trades', () => seen.length === 200);
    expect(seen).toEqual(trades.map((trade) => trade.tradeId));
    await waitFor(
      'the poison trade in the dead-letter stream',
      async () => (await redis.xlen(TradeStream.deadLetterStream)) === 1,
    );
    const [[, fields]] = (await redis.xrangeBuffer(LiquidationStream.stream, '-', '+')) as [
      [Buffer, Buffer[]],
    ];
    expect(decodeEntry(fields).events).toEqual([aLiquidation()]);
    await waitFor(
      'the trimmer to bound the trade stream',
      async () => (await redis.xlen(TradeStream.stream)) <= 5,
    );
    expect(await new StreamTrimmer(redis, { maxLen: 5 }).trim(TradeStream.stream)).toBe(0);
  });
});
