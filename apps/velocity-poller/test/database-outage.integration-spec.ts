import type Redis from 'ioredis';
import { Client } from 'pg';
import { createTestRedis, testRedisUrl, type TestDatabase } from '@mdp/testing';
import { TokenUpdateStream } from '@mdp/schemas';
import {
  buildPoller,
  createMigratedDatabase,
  StandInProcess,
  type PollerUnderTest,
} from './velocity-poller.harness';

/** Runs one statement on the server's `postgres` database (outside the database under test). */
async function admin(databaseUrl: string, sql: string): Promise<void> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('velocity poller through a database outage', () => {
  let standIn: StandInProcess;
  let database: TestDatabase;
  let redis: Redis;
  let subject: PollerUnderTest;

  beforeAll(async () => {
    [standIn, database, redis] = await Promise.all([
      StandInProcess.start(40),
      createMigratedDatabase(),
      createTestRedis(),
    ]);
    subject = await buildPoller(database.url, testRedisUrl(), standIn.url, { CMC_LISTINGS_LIMIT: '40' });
  }, 60_000);

  afterAll(async () => {
    await admin(database.url, `ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS true`).catch(
      () => undefined,
    );
    await subject?.close();
    await redis?.quit();
    await standIn?.stop();
    await database?.drop();
  });

  it('fails the poll without caching or broadcasting it, and stores again when the database is back', async () => {
    expect((await subject.poller.poll.poll()).outcome).toBe('ok');
    const cachedBefore = await redis.get('token:1');
    const entriesBefore = await redis.xlen(TokenUpdateStream.stream);

    await admin(database.url, `ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS false`);
    await admin(
      database.url,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database.name}'`,
    );
    const during = await subject.poller.poll.poll();
    expect(during.outcome).toBe('failed');
    expect(during.metricsInserted).toBe(0);
    expect(await redis.get('token:1')).toBe(cachedBefore);
    expect(await redis.xlen(TokenUpdateStream.stream)).toBe(entriesBefore);

    await admin(database.url, `ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS true`);
    const after = await subject.poller.poll.poll();
    expect(after.outcome).toBe('ok');
    expect(after.metricsInserted).toBe(40);
    expect(after.published).toBe(40);
    const rows = await subject.pool.query<{ n: string }>('SELECT count(*) AS n FROM token_metrics');
    expect(Number(rows.rows[0]!.n)).toBe(80);
  });
});
