import type Redis from 'ioredis';
import { TradeStream, type TradeMessage } from '@mdp/schemas';
import { aTrade } from '@mdp/schemas/testing';
import { createRedisConnection } from '@mdp/platform';
import { createTestRedis, spawnTs, testRedisUrl, waitFor } from '@mdp/testing';
import {
  RedisStreamsServer,
  StreamPublisher,
  StreamTrimmer,
  TransientError,
  encodeEntry,
  unpackEvent,
} from '../src';
import { recordOnce, startConsumer, type TestConsumer } from './consumer-app';

const trades = (count: number, from = 0): TradeMessage[] =>
  Array.from({ length: count }, (_, i) =>
    aTrade({ tradeId: String(from + i), ts: 1_700_000_000_000 + from + i }),
  );

describe(RedisStreamsServer.name, () => {
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

  const start = async (...args: Parameters<typeof startConsumer>) => {
    const consumer = await startConsumer(...args);
    consumers.push(consumer);
    return consumer;
  };

  const count = async (key: string) => Number((await redis.get(key)) ?? 0);
  const pending = async () => ((await redis.xpending(TradeStream.stream, 'test-group')) as [number])[0];

  it('splits the work between two consumers of one group, each event taking effect once', async () => {
    const handledBy = new Map<string, number>();
    const behaviour = (name: string) => async (batch: TradeMessage[]) => {
      handledBy.set(name, (handledBy.get(name) ?? 0) + batch.length);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await recordOnce(redis, batch);
    };
    await start(testRedisUrl(), behaviour('a'), { readCount: 2 });
    await start(testRedisUrl(), behaviour('b'), { readCount: 2 });

    await Promise.all(
      Array.from({ length: 40 }, (_, i) => publisher.publish(TradeStream, trades(10, i * 10))),
    );

    await waitFor('400 events to take effect', async () => (await count('effect:count')) === 400);
    await waitFor('acks', async () => (await pending()) === 0);
    expect(await redis.scard('effect:seen')).toBe(400);
    expect(await count('effect:invocations')).toBe(400);
    expect(handledBy.get('a')).toBeGreaterThan(0);
    expect(handledBy.get('b')).toBeGreaterThan(0);
    expect(handledBy.get('a')! + handledBy.get('b')!).toBe(400);
  });

  it('finishes the pending batch of a consumer killed mid-batch, with every event counted once', async () => {
    const child = spawnTs('libs/transport/test/consumer-app.ts', {
      env: { CONSUMER_REDIS_URL: testRedisUrl(), CONSUMER_DELAY_MS: '150' },
      onLine: (line) => lines.push(line),
    });
    const lines: string[] = [];
    try {
      await waitFor('the child consumer to start', () => lines.includes('ready'), { timeoutMs: 20_000 });
      await publisher.publish(TradeStream, trades(200));
      // Let it finish at least one batch, then kill it while it holds the next one unacknowledged.
      await waitFor('the child to handle a batch', async () => (await count('effect:count')) > 0);
      await waitFor(
        'the child to be inside a batch',
        () => lines.filter((line) => line.startsWith('handling')).length >= 2,
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const pendingOfDead = await pending();
    expect(pendingOfDead).toBeGreaterThan(0);
    expect(await count('effect:count')).toBeLessThan(200);

    await start(testRedisUrl(), (batch) => recordOnce(redis, batch), {
      claimIdleMs: 300,
      claimIntervalMs: 100,
    });

    await waitFor('all 200 events to take effect', async () => (await count('effect:count')) === 200, {
      timeoutMs: 15_000,
    });
    await waitFor('no pending entries', async () => (await pending()) === 0);
    expect(await redis.scard('effect:seen')).toBe(200);
  });

  it('dead-letters a message whose handler always fails, after the configured attempts, and handles the rest', async () => {
    const attempts = new Map<string, number>();
    await start(
      testRedisUrl(),
      async ([trade]) => {
        attempts.set(trade!.tradeId, (attempts.get(trade!.tradeId) ?? 0) + 1);
        if (trade!.tradeId === '3') throw new Error('cannot handle trade 3');
        await recordOnce(redis, [trade!]);
      },
      { batch: false, maxAttempts: 4, retryBackoffMs: 1 },
    );
    for (const trade of trades(8)) await publisher.publish(TradeStream, trade);

    await waitFor('the other 7 events', async () => (await count('effect:count')) === 7);
    await waitFor('acks', async () => (await pending()) === 0);
    expect(attempts.get('3')).toBe(4);
    const dead = await redis.xrangeBuffer(TradeStream.deadLetterStream, '-', '+');
    expect(dead).toHaveLength(1);
    const fields = fieldsOf(dead[0]![1]);
    expect(fields['error']!.toString()).toBe('Error: cannot handle trade 3');
    expect(fields['attempts']!.toString()).toBe('4');
    expect(fields['stream']!.toString()).toBe(TradeStream.stream);
    expect(fields['type']!.toString()).toBe('trade');
    expect(unpackEvent(fields['p']!)).toEqual(trades(8)[3]);
  });

  it('dead-letters only the failing event of a batch', async () => {
    await start(testRedisUrl(), async (batch) => {
      if (batch.some((trade) => trade.tradeId === '5')) throw new Error('poison 5');
      await recordOnce(redis, batch);
    });
    await publisher.publish(TradeStream, trades(10));

    await waitFor('9 events', async () => (await count('effect:count')) === 9);
    await waitFor('acks', async () => (await pending()) === 0);
    const dead = await redis.xrangeBuffer(TradeStream.deadLetterStream, '-', '+');
    expect(dead.map(([, raw]) => (unpackEvent(fieldsOf(raw)['p']!) as TradeMessage).tradeId)).toEqual(['5']);
  });

  it('finds a few bad events in a large batch by splitting it, in a few calls per bad event rather than one per event', async () => {
    let calls = 0;
    await publisher.publish(TradeStream, trades(400));
    await start(testRedisUrl(), async (batch) => {
      calls += 1;
      if (batch.some((trade) => trade.tradeId === '37' || trade.tradeId === '351')) throw new Error('poison');
      await recordOnce(redis, batch);
    });

    await waitFor('398 events', async () => (await count('effect:count')) === 398);
    await waitFor('acks', async () => (await pending()) === 0);
    const dead = await redis.xrangeBuffer(TradeStream.deadLetterStream, '-', '+');
    expect(dead.map(([, raw]) => (unpackEvent(fieldsOf(raw)['p']!) as TradeMessage).tradeId).sort()).toEqual([
      '351',
      '37',
    ]);
    // 400 events in 40 entries, read 64 entries at a time: one batch, each bad event found in about
    // 2 x log2(400) calls (one call per event before: over 400).
    expect(calls).toBeLessThan(60);
  });

  it('dead-letters a bad event once even when a second consumer claims its entry while the first is still failing on it', async () => {
    const slowPoison = async (batch: TradeMessage[]) => {
      if (batch.some((trade) => trade.tradeId === '3')) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        throw new Error('poison 3');
      }
      await recordOnce(redis, batch);
    };
    const options = {
      claimIdleMs: 100,
      claimIntervalMs: 100,
      blockMs: 50,
      maxAttempts: 2,
      retryBackoffMs: 1,
    };
    await publisher.publish(TradeStream, trades(10));
    await Promise.all([
      start(testRedisUrl(), slowPoison, options),
      start(testRedisUrl(), slowPoison, options),
    ]);

    await waitFor('9 events', async () => (await count('effect:count')) === 9, { timeoutMs: 15_000 });
    await waitFor('acks', async () => (await pending()) === 0, { timeoutMs: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // a late second dead letter would be in by now
    // One dead letter: the event after its attempts, or (claimed back and forth past maxDeliveries)
    // its whole entry unprocessed; never one from each consumer.
    const dead = await redis.xrangeBuffer(TradeStream.deadLetterStream, '-', '+');
    expect(dead).toHaveLength(1);
    expect(await count('effect:count')).toBe(9);
  });

  it('dead-letters a schema-invalid message with the validation error, never calling the handler with it', async () => {
    const seen: string[] = [];
    await start(testRedisUrl(), async (batch) => {
      seen.push(...batch.map((trade) => trade.tradeId));
      await recordOnce(redis, batch);
    });
    // A producer that skips validation (another language, an old build) writes a bad event.
    const bad = { ...aTrade({ tradeId: 'bad' }), price: 'NaN', side: 'long' };
    await redis.xadd(
      TradeStream.stream,
      '*',
      ...encodeEntry(TradeStream, [aTrade({ tradeId: 'ok-1' }), bad, aTrade({ tradeId: 'ok-2' })]),
    );

    await waitFor('the valid events', async () => (await count('effect:count')) === 2);
    await waitFor('acks', async () => (await pending()) === 0);
    expect(seen).toEqual(['ok-1', 'ok-2']);
    const [[, raw]] = (await redis.xrangeBuffer(TradeStream.deadLetterStream, '-', '+')) as [
      [Buffer, Buffer[]],
    ];
    const error = fieldsOf(raw)['error']!.toString();
    expect(error).toContain('schema validation failed');
    expect(error).toContain('price: price must be a number');
    expect(error).toContain('side: side must be one of the following values: buy, sell (got "long")');
    expect(unpackEvent(fieldsOf(raw)['p']!)).toEqual(bad);
  });

  it('dead-letters an entry that is not in the wire format', async () => {
    await start(testRedisUrl(), (batch) => recordOnce(redis, batch));
    await redis.xadd(TradeStream.stream, '*', 'hello', 'world');
    await publisher.publish(TradeStream, trades(1));
    await waitFor('the valid event', async () => (await count('effect:count')) === 1);
    await waitFor('acks', async () => (await pending()) === 0);
    const [[, raw]] = (await redis.xrangeBuffer(TradeStream.deadLetterStream, '-', '+')) as [
      [Buffer, Buffer[]],
    ];
    expect(fieldsOf(raw)['error']!.toString()).toBe(
      'undecodable entry: entry lacks the fields t, v and p (has hello)',
    );
  });

  it('holds the stream on a transient error and carries on once it clears, dead-lettering nothing', async () => {
    let outage = true;
    let transientCalls = 0;
    await start(testRedisUrl(), async (batch) => {
      if (outage) {
        transientCalls += 1;
        throw new TransientError('database unavailable');
      }
      await recordOnce(redis, batch);
    });
    await publisher.publish(TradeStream, trades(20));
    await waitFor('several transient failures', () => transientCalls >= 4);
    expect(await count('effect:count')).toBe(0);
    expect(await pending()).toBeGreaterThan(0);
    outage = false;
    await waitFor('all events', async () => (await count('effect:count')) === 20, { timeoutMs: 15_000 });
    await waitFor('acks', async () => (await pending()) === 0);
    expect(await redis.exists(TradeStream.deadLetterStream)).toBe(0);
  });

  it('trims the stream to its bound without deleting entries a group has not acknowledged', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    await start(
      testRedisUrl(),
      async (batch) => {
        if (batch.some((trade) => trade.tradeId === '0')) await gate;
        handled.push(...batch.map((trade) => trade.tradeId));
      },
      { readCount: 1, maxLen: 5, trimIntervalMs: 60_000 },
    );
    const stuck = new StreamPublisher(publisherConnection, { maxEventsPerEntry: 1, lingerMs: 0 });
    for (const trade of trades(30)) await stuck.publish(TradeStream, trade);
    const trimmer = new StreamTrimmer(redis, { maxLen: 5 });

    // The consumer holds entry 0 unacknowledged: nothing may be trimmed.
    await waitFor('entry 0 in hand', async () => (await pending()) === 1);
    expect(await trimmer.trim(TradeStream.stream)).toBe(0);
    expect(await redis.xlen(TradeStream.stream)).toBe(30);

    release();
    await waitFor('all 30 handled', () => handled.length === 30);
    await waitFor('acks', async () => (await pending()) === 0);
    expect(await trimmer.trim(TradeStream.stream)).toBe(25);
    expect(await redis.xlen(TradeStream.stream)).toBe(5);
    expect(handled).toEqual(trades(30).map((trade) => trade.tradeId));
  });

  it('does not trim entries a second group has not read yet', async () => {
    await redis.xgroup('CREATE', TradeStream.stream, 'slow-group', '$', 'MKSTREAM');
    await start(testRedisUrl(), (batch) => recordOnce(redis, batch), { maxLen: 3 });
    const single = new StreamPublisher(publisherConnection, { maxEventsPerEntry: 1, lingerMs: 0 });
    for (const trade of trades(10)) await single.publish(TradeStream, trade);
    await waitFor('all 10 handled', async () => (await count('effect:count')) === 10);
    await waitFor('acks', async () => (await pending()) === 0);
    expect(await new StreamTrimmer(redis, { maxLen: 3 }).trim(TradeStream.stream)).toBe(0);
    expect(await redis.xlen(TradeStream.stream)).toBe(10);
  });

  it('recreates its group after Redis loses its data and carries on', async () => {
    const consumer = await start(testRedisUrl(), (batch) => recordOnce(redis, batch));
    await publisher.publish(TradeStream, trades(5));
    await waitFor('the first 5', async () => (await count('effect:count')) === 5);

    await redis.flushdb();
    await publisher.publish(TradeStream, trades(7, 100));

    await waitFor('the next 7 after the loss', async () => (await count('effect:count')) === 7, {
      timeoutMs: 15_000,
    });
    expect(consumer.server.stats.groupsRecreated).toBeGreaterThanOrEqual(1);
    await waitFor('acks', async () => (await pending()) === 0);
  });

  it('on shutdown finishes and acknowledges the batch in hand, leaving nothing handled but unacknowledged', async () => {
    let inBatch = false;
    const single = new StreamPublisher(publisherConnection, { maxEventsPerEntry: 1, lingerMs: 0 });
    for (const trade of trades(12)) await single.publish(TradeStream, trade);
    const consumer = await start(
      testRedisUrl(),
      async (batch) => {
        inBatch = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
        await recordOnce(redis, batch);
      },
      { readCount: 3 },
    );
    await waitFor('a batch in hand', () => inBatch);

    await consumers.splice(consumers.indexOf(consumer), 1)[0]!.close();

    const handled = await count('effect:count');
    expect(handled).toBe(3);
    // Every handled event is acknowledged; the rest were never delivered to this consumer.
    expect(await pending()).toBe(0);
    const info = (await redis.xinfo('GROUPS', TradeStream.stream)) as unknown[][];
    const entriesRead = Number(info[0]![info[0]!.indexOf('entries-read') + 1]);
    expect(entriesRead).toBe(handled);
  });
});

function fieldsOf(raw: Buffer[]): Record<string, Buffer> {
  const fields: Record<string, Buffer> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) fields[raw[i]!.toString()] = raw[i + 1]!;
  return fields;
}
