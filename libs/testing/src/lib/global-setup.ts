import { leaseRedisDbs } from './redis-db-lease';
import { resolveTestServices, redactUrl, type TestServices } from './test-services';

declare global {
  // Shared with global-teardown: Jest runs both in the same context.
  var __MDP_TEST_SERVICES__: TestServices | undefined;
}

/** Jest globalSetup: finds Redis and PostgreSQL once per run and hands their URLs to every worker. */
export default async function globalSetup(): Promise<void> {
  const services = await resolveTestServices();
  globalThis.__MDP_TEST_SERVICES__ = services;
  process.env['MDP_TEST_REDIS_URL'] = services.redisUrl;
  process.env['MDP_TEST_DATABASE_URL'] = services.databaseUrl;
  const owner = `${process.pid}-${Date.now()}`;
  const dbs = await leaseRedisDbs(services.redisUrl, 4, owner);
  process.env['MDP_TEST_REDIS_DBS'] = dbs.join(',');
  process.env['MDP_TEST_REDIS_LEASE_OWNER'] = owner;
  process.stdout.write(
    `\ntest services: Redis ${redactUrl(services.redisUrl)} (${services.redisSource}), ` +
      `PostgreSQL ${redactUrl(services.databaseUrl)} (${services.databaseSource}), Redis databases ${dbs.join(',')}\n`,
  );
}
