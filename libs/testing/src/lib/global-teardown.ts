import { releaseRedisDbs } from './redis-db-lease';

/** Jest globalTeardown: releases the Redis databases this run leased and stops containers it started. */
export default async function globalTeardown(): Promise<void> {
  const services = globalThis.__MDP_TEST_SERVICES__;
  const dbs = (process.env['MDP_TEST_REDIS_DBS'] ?? '').split(',').filter(Boolean).map(Number);
  if (services && dbs.length > 0) {
    await releaseRedisDbs(services.redisUrl, dbs, process.env['MDP_TEST_REDIS_LEASE_OWNER'] ?? '').catch(
      () => undefined,
    );
  }
  await services?.stop();
}
