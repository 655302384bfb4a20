import Redis from 'ioredis';
import { LOCAL_REDIS_URL } from './test-services';

/**
 * The Redis URL for this Jest worker: the run's server with a logical database of the worker's
 * own, leased for this run by the global setup, so test files running in parallel (and other test
 * runs on the same server) never see each other's keys.
 */
export function testRedisUrl(): string {
  const base = process.env['MDP_TEST_REDIS_URL'] ?? process.env['REDIS_URL'] ?? LOCAL_REDIS_URL;
  const url = new URL(base);
  url.pathname = `/${testRedisDb()}`;
  return url.toString();
}

export function testRedisDb(): number {
  const worker = Number(process.env['JEST_WORKER_ID'] ?? '1');
  const leased = (process.env['MDP_TEST_REDIS_DBS'] ?? '').split(',').filter(Boolean).map(Number);
  if (leased.length === 0) return ((worker - 1) % 15) + 1;
  return leased[(worker - 1) % leased.length]!;
}

/** A connection to this worker's database, emptied first. Close it with `quit()`. */
export async function createTestRedis(): Promise<Redis> {
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  return redis;
}
