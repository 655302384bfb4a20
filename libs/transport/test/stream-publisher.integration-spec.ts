import type Redis from 'ioredis';
import { MessageValidationError, TradeStream, LiquidationStream } from '@mdp/schemas';
import { aLiquidation, aTrade } from '@mdp/schemas/testing';
import { createRedisConnection } from '@mdp/platform';
import { createTestRedis, testRedisUrl } from '@mdp/testing';
import { StreamPublisher, decodeEntry } from '../src';

describe(StreamPublisher.name, () => {
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

  const readAll = async (stream: string) =>
    (await redis.xrangeBuffer(stream, '-', '+')).map(([id, fields]) => ({
      id: id.toString(),
      ...decodeEntry(fields),
    }));

  it('packs calls made together into batch frames of at most maxEventsPerEntry events, in order', async () => {
    const publisher = new StreamPublisher(connection, { maxEventsPerEntry: 4, lingerMs: 5 });
    const calls = await Promise.all([
      publisher.publish(TradeStream, [
        aTrade({ tradeId: '1' }),
        aTrade({ tradeId: '2' }),
        aTrade({ tradeId: '3' }),
      ]),
      publisher.publish(TradeStream, [aTrade({ tradeId: '4' }), aTrade({ tradeId: '5' })]),
      publisher.publish(LiquidationStream, aLiquidation()),
    ]);
    const entries = await readAll(TradeStream.stream);
    expect(
      entries.map((entry) => (entry.events as Array<{ tradeId: string }>).map((event) => event.tradeId)),
    ).toEqual([['1', '2', '3', '4'], ['5']]);
    expect(entries.every((entry) => entry.type === 'trade' && entry.version === 1)).toBe(true);
    // Each call learns the ids of the entries that carry its events.
    expect(calls[0]).toEqual([entries[0]!.id]);
    expect(calls[1]).toEqual([entries[0]!.id, entries[1]!.id]);
    expect((await readAll(LiquidationStream.stream))[0]!.events).toEqual([aLiquidation()]);
    expect(publisher.stats).toMatchObject({ eventsPublished: 6, entriesWritten: 3 });
  });

  it('rejects a call with an invalid event with the reason, and writes none of its events', async () => {
    const publisher = new StreamPublisher(connection);
    const call = publisher.publish(TradeStream, [
      aTrade({ tradeId: 'a' }),
      aTrade({ tradeId: 'b', size: -2 }),
    ]);
    await expect(call).rejects.toThrow(MessageValidationError);
    await expect(call).rejects.toThrow('invalid trade message: size: size must not be less than');
    await publisher.flush();
    expect(await redis.exists(TradeStream.stream)).toBe(0);
    expect(publisher.stats.rejectedInvalid).toBe(1);
  });

  it('keeps the events through a dropped connection and writes them once it is back', async () => {
    const publisher = new StreamPublisher(connection, { lingerMs: 0, retryBaseMs: 10 });
    await publisher.publish(TradeStream, aTrade({ tradeId: 'before' }));
    const id = Number(await connection.client('ID'));
    await redis.client('KILL', 'ID', String(id));
    await publisher.publish(TradeStream, aTrade({ tradeId: 'after' }));
    const entries = await readAll(TradeStream.stream);
    expect(
      entries.flatMap((entry) => (entry.events as Array<{ tradeId: string }>).map((event) => event.tradeId)),
    ).toEqual(['before', 'after']);
  });

  it('refuses publishes beyond its buffer limit instead of growing without bound', async () => {
    const publisher = new StreamPublisher(connection, { maxBufferedEvents: 3, lingerMs: 50 });
    const first = publisher.publish(TradeStream, [aTrade(), aTrade(), aTrade()]);
    await expect(publisher.publish(TradeStream, aTrade())).rejects.toThrow(
      'publisher holds 3 unsent events, over its limit of 3',
    );
    await first;
  });
});
