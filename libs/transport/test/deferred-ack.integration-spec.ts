import type Redis from 'ioredis';
import { TradeStream, type TradeMessage } from '@mdp/schemas';
import { aTrade } from '@mdp/schemas/testing';
import { createRedisConnection } from '@mdp/platform';
import { createTestRedis, testRedisUrl, waitFor } from '@mdp/testing';
import {
  RedisStreamsServer,
  StreamAcknowledger,
  StreamPublisher,
  encodeEntry,
  type StreamContext,
} from '../src';
import { startConsumer, type TestConsumer } from './consumer-app';

const trades = (count: number, from = 0): TradeMessage[] =>
  Array.from({ length: count }, (_, i) =>
    aTrade({ tradeId: String(from + i), ts: 1_700_000_000_000 + from + i }),
  );

interface Delivery {
  ids: string[];
  counts: number[];
  tradeIds: string[];
  deliveries: number;
}

describe(`${RedisStreamsServer.name} with ack: 'deferred'`, () => {
  let redis: Redis;
  let publisherConnection: Redis;
  let publisher: StreamPublisher;
  const consumers: TestConsumer[] = [];

  beforeEach(async () => {
    redis = await createTestRedis();
    publisherConnection = createRedisConnection(testRedisUrl()) as Redis;
    publisher = new StreamPublisher(publisherConnection, { maxEventsPerEntry: 10 });
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.close()));
    await publisher.close();
    publisherConnection.disconnect();
    await redis.quit();
  });

  const pending = async () => ((await redis.xpending(TradeStream.stream, 'test-group')) as [number])[0];
  const recorder = (into: Delivery[]) => async (batch: TradeMessage[], context: StreamContext) => {
    into.push({
      ids: context.getEntryIds(),
      counts: context.getEntryEventCounts(),
      tradeIds: batch.map((trade) => trade.tradeId),
      deliveries: context.getDeliveries(),
    });
    return Promise.resolve();
  };
  const start = async (...args: Parameters<typeof startConsumer>) => {
    const consumer = await startConsumer(...args);
    consumers.push(consumer);
    return consumer;
  };

  it('leaves the entries pending until the application acknowledges them, telling it their ids and event counts', async () => {
    const deliveries: Delivery[] = [];
    await start(testRedisUrl(), recorder(deliveries), {
      deferred: true,
      singleConsumer: true,
      readCount: 100,
    });
    for (let i = 0; i < 5; i++) await publisher.publish(TradeStream, trades(7, i * 7)); // 5 entries of 7

    await waitFor('35 events handled', () => deliveries.flatMap((d) => d.tradeIds).length === 35);
    const ids = deliveries.flatMap((d) => d.ids);
    expect(ids).toHaveLength(5);
    expect(deliveries.flatMap((d) => d.counts)).toEqual([7, 7, 7, 7, 7]);
    expect(deliveries.flatMap((d) => d.tradeIds)).toEqual(trades(35).map((trade) => trade.tradeId));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await pending()).toBe(5); // the transport acknowledged none of them

    const acknowledger = new StreamAcknowledger(redis, 'test-group');
    expect(await acknowledger.ack(TradeStream.stream, ids.slice(0, 2))).toBe(2);
    expect(await pending()).toBe(3);
    expect(await acknowledger.ack(TradeStream.stream, ids)).toBe(3); // twice is harmless
    expect(await pending()).toBe(0);
  });

  it('dead-letters the invalid events of an entry once, however often it is delivered, and leaves the entry to the application', async () => {
    const first: Delivery[] = [];
    const predecessor = await startConsumer(testRedisUrl(), recorder(first), {
      deferred: true,
      singleConsumer: true,
      consumer: 'predecessor',
    });
    const bad = { ...aTrade({ tradeId: 'bad' }), price: -1 };
    const badEntry = (await redis.xadd(
      TradeStream.stream,
      '*',
      ...encodeEntry(TradeStream, [aTrade({ tradeId: 'good' }), bad]),
    ))!;
    const onlyBad = (await redis.xadd(TradeStream.stream, '*', ...encodeEntry(TradeStream, [bad])))!;
    await publisher.publish(TradeStream, trades(3));
    await waitFor('the valid events handled', () => first.flatMap((d) => d.tradeIds).length === 4);
    expect(first.flatMap((d) => d.tradeIds)).toEqual(['good', '0', '1', '2']);
    await waitFor(
      'both bad events dead-lettered',
      async () => (await redis.xlen(TradeStream.deadLetterStream)) === 2,
    );
    const pendingIds = async () =>
      ((await redis.xpending(TradeStream.stream, 'test-group', '-', '+', 10)) as Array<[string]>).map(
        ([id]) => id,
      );
    // The entry with a valid event waits for the application (its event is not in any checkpoint
    // yet); the entry of nothing but a dead letter is done.
    await waitFor('the commit', async () => (await pendingIds()).length === 2);
    expect(await pendingIds()).toContain(badEntry);
    expect(await pendingIds()).not.toContain(onlyBad);

    // The application dies before acknowledging: its successor gets the entries again.
    await predecessor.close();
    const second: Delivery[] = [];
    await start(testRedisUrl(), recorder(second), {
      deferred: true,
      singleConsumer: true,
      consumer: 'successor',
    });
    await waitFor('the valid events handled again', () => second.flatMap((d) => d.tradeIds).length === 4);
    expect(second.flatMap((d) => d.tradeIds)).toEqual(['good', '0', '1', '2']);
    await new Promise((resolve) => setTimeout(resolve, 300)); // its commit has run
    expect(await redis.xlen(TradeStream.deadLetterStream)).toBe(2); // not written twice
    await new StreamAcknowledger(redis, 'test-group').ack(
      TradeStream.stream,
      second.flatMap((d) => d.ids),
    );
    expect(await pendingIds()).toEqual([]);
  });

  it('in a single-consumer group, handles what a dead predecessor left pending before new entries, however recently it died', async () => {
    // A predecessor reads 4 entries and dies without acknowledging them (closing without an ack is
    // the same, for the group, as a kill -9: the entries stay pending to its name).
    const first: Delivery[] = [];
    const predecessor = await startConsumer(testRedisUrl(), recorder(first), {
      deferred: true,
      singleConsumer: true,
      consumer: 'predecessor',
    });
    for (let i = 0; i < 4; i++) await publisher.publish(TradeStream, trades(10, i * 10));
    await waitFor('the predecessor to read 40', () => first.flatMap((d) => d.tradeIds).length === 40);
    await predecessor.close();
    expect(await pending()).toBe(4);
    // New entries arrive while no consumer runs.
    for (let i = 4; i < 8; i++) await publisher.publish(TradeStream, trades(10, i * 10));

    const second: Delivery[] = [];
    await start(testRedisUrl(), recorder(second), {
      deferred: true,
      singleConsumer: true,
      consumer: 'successor',
      claimIdleMs: 60_000, // the periodic claim would not take them yet
      readCount: 2,
    });
    await waitFor('80 events handled', () => second.flatMap((d) => d.tradeIds).length === 80);
    // Stream order: the 40 left pending first (redelivered), then the 40 new ones.
    expect(second.flatMap((d) => d.tradeIds)).toEqual(trades(80).map((trade) => trade.tradeId));
    expect(second.slice(0, 2).map((d) => d.deliveries)).toEqual([2, 2]);
    expect(second[second.length - 1]!.deliveries).toBe(1);
    const owners = (await redis.xpending(TradeStream.stream, 'test-group')) as [
      number,
      string,
      string,
      Array<[string, string]>,
    ];
    expect(owners[3]).toEqual([['successor', '8']]);
  });

  it('in a single-consumer group, never claims its own deferred entries, however long they stay pending', async () => {
    const deliveries: Delivery[] = [];
    await start(testRedisUrl(), recorder(deliveries), {
      deferred: true,
      singleConsumer: true,
      claimIdleMs: 100,
      claimIntervalMs: 100,
    });
    for (let i = 0; i < 3; i++) await publisher.publish(TradeStream, trades(10, i * 10));
    await waitFor('30 events handled', () => deliveries.flatMap((d) => d.tradeIds).length === 30);
    await new Promise((resolve) => setTimeout(resolve, 800)); // 8 claim intervals, all past claimIdleMs
    expect(deliveries.flatMap((d) => d.tradeIds)).toEqual(trades(30).map((trade) => trade.tradeId));
    expect(await pending()).toBe(3);
  });

  it('refuses to start a deferred handler in a group of several consumers unless claimIdleMs exceeds deferredAckMs', async () => {
    const noop = () => Promise.resolve();
    await expect(startConsumer(testRedisUrl(), noop, { deferred: true, claimIdleMs: 1_000 })).rejects.toThrow(
      /claim idle time \(claimIdleMs, STREAM_CLAIM_IDLE_MS = 1000 ms\) must exceed .* \(deferredAckMs = not set ms\)/,
    );
    await expect(
      startConsumer(testRedisUrl(), noop, { deferred: true, claimIdleMs: 1_000, deferredAckMs: 1_000 }),
    ).rejects.toThrow(/must exceed/);
    await start(testRedisUrl(), noop, { deferred: true, claimIdleMs: 1_000, deferredAckMs: 500 });
  });
});
