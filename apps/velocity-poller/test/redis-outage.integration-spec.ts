import Redis from 'ioredis';
import { PrivateRedis, freePort, waitFor, type TestDatabase } from '@mdp/testing';
import {
  buildPoller,
  createMigratedDatabase,
  StandInProcess,
  type PollerUnderTest,
} from './velocity-poller.harness';

describe('velocity poller through a Redis outage', () => {
  let standIn: StandInProcess;
  let database: TestDatabase;
  let redisServer: PrivateRedis;
  let subject: PollerUnderTest;
  let observer: Redis;

  beforeAll(async () => {
    redisServer = new PrivateRedis(await freePort());
    [standIn, database] = await Promise.all([
      StandInProcess.start(150),
      createMigratedDatabase(),
      redisServer.start(),
    ]);
    const url = `redis://127.0.0.1:${redisServer.port}`;
    subject = await buildPoller(database.url, url, standIn.url, {
      CMC_LISTINGS_LIMIT: '150',
      POLL_INTERVAL_MS: '600000',
      CACHE_WARM_TOKENS: '100',
    });
    observer = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    observer.on('error', () => undefined);
  }, 60_000);

  afterAll(async () => {
    await subject?.close();
    observer?.disconnect();
    await redisServer?.stop();
    await standIn?.stop();
    await database?.drop();
  });

  const latestPrice = async (tokenId: number) =>
    Number(
      (
        await subject.pool.query<{ price: string }>(
          'SELECT price_usd::float8 AS price FROM token_metrics WHERE token_id = $1 ORDER BY "timestamp" DESC LIMIT 1',
          [tokenId],
        )
      ).rows[0]!.price,
    );

  it('keeps writing to the database while Redis is down and rebuilds the caches when it is back', async () => {
    await subject.poller.scheduler.start(); // loads history, warms (nothing stored yet), polls once
    await waitFor('the first poll', () => subject.poller.poll.lastReport?.outcome === 'ok');
    expect(JSON.parse((await observer.get('token:1'))!)).toMatchObject({ id: 1, symbol: 'BTC' });
    expect(subject.poller.poll.lastReport!.published).toBe(150);

    await redisServer.stop();
    await waitFor('the poller to see Redis down', () => subject.redis.status !== 'ready');
    const during = await subject.poller.poll.poll();
    expect(during.outcome).toBe('ok');
    expect(during.metricsInserted).toBe(150);
    expect(during.cacheError).toBeDefined();
    expect(during.published).toBe(0);
    expect(subject.poller.poll.cachesNeedRebuild).toBe(true);
    const rows = await subject.pool.query<{ n: string }>('SELECT count(*) AS n FROM token_metrics');
    expect(Number(rows.rows[0]!.n)).toBe(300);

    // Redis comes back empty (no persistence): the poller rebuilds the caches from the warm store.
    await redisServer.start();
    const rebuilt = await waitFor(
      'token:1 rebuilt',
      async () => {
        const raw = await observer.get('token:1').catch(() => null);
        return raw === null
          ? undefined
          : (JSON.parse(raw) as { price: number; symbol: string; stale: boolean });
      },
      { timeoutMs: 15_000 },
    );
    // the rebuilt entry is the poll made during the outage, read back from the database
    expect(rebuilt.symbol).toBe('BTC');
    expect(rebuilt.price).toBe(await latestPrice(1));
    expect(rebuilt.stale).toBe(false);
    expect(await observer.ttl('token:1')).toBeGreaterThanOrEqual(59);
    expect(await observer.exists('velocity:1:7d')).toBe(1);
    expect(await observer.dbsize()).toBe(150 * 6);
    expect(subject.poller.poll.cachesNeedRebuild).toBe(false);

    const after = await subject.poller.poll.poll();
    expect(after.outcome).toBe('ok');
    expect(after.cacheError).toBeUndefined();
    expect(after.published).toBe(150);
  });
});
