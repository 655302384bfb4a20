import { existsSync } from 'node:fs';
import Redis from 'ioredis';
import { Client } from 'pg';

export interface TestServices {
  redisUrl: string;
  databaseUrl: string;
  /** Where each came from, for the line the run prints. */
  redisSource: ServiceSource;
  databaseSource: ServiceSource;
  /** Stops what this run started (testcontainers); a no-op otherwise. */
  stop(): Promise<void>;
}
export type ServiceSource = 'env' | 'testcontainers' | 'local';

export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';
export const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Finds the Redis and PostgreSQL the tests use, in this order: REDIS_URL / DATABASE_URL when set;
 * containers from testcontainers when a Docker engine answers; the local services
 * (127.0.0.1:6379 and 127.0.0.1:5432). Throws at once, naming what is missing, when none answers.
 */
export async function resolveTestServices(env: NodeJS.ProcessEnv = process.env): Promise<TestServices> {
  const stops: Array<() => Promise<unknown>> = [];
  let redisUrl = env['REDIS_URL'];
  let databaseUrl = env['DATABASE_URL'];
  let redisSource: ServiceSource = 'env';
  let databaseSource: ServiceSource = 'env';

  if ((!redisUrl || !databaseUrl) && (await dockerEngineAnswers(env))) {
    const { GenericContainer, Wait } = await import('testcontainers');
    if (!redisUrl) {
      const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      stops.push(() => redis.stop());
      redisUrl = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
      redisSource = 'testcontainers';
    }
    if (!databaseUrl) {
      const pg = await new GenericContainer('timescale/timescaledb:latest-pg15')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      stops.push(() => pg.stop());
      databaseUrl = `postgres://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/test`;
      databaseSource = 'testcontainers';
    }
  }
  if (!redisUrl) {
    redisUrl = LOCAL_REDIS_URL;
    redisSource = 'local';
  }
  if (!databaseUrl) {
    databaseUrl = LOCAL_DATABASE_URL;
    databaseSource = 'local';
  }

  const problems = (
    await Promise.all([checkRedis(redisUrl, redisSource), checkPostgres(databaseUrl, databaseSource)])
  ).filter((problem): problem is string => problem !== null);
  const stop = async () => {
    await Promise.all(stops.map((fn) => fn()));
  };
  if (problems.length > 0) {
    await stop();
    throw new Error(`The tests cannot start:\n- ${problems.join('\n- ')}`);
  }
  return { redisUrl, databaseUrl, redisSource, databaseSource, stop };
}

async function dockerEngineAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (!env['DOCKER_HOST'] && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

function explain(kind: string, url: string, source: ServiceSource, error: unknown): string {
  const why = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const from =
    source === 'env'
      ? `the URL in ${kind === 'Redis' ? 'REDIS_URL' : 'DATABASE_URL'}`
      : source === 'local'
        ? `the local default (no ${kind === 'Redis' ? 'REDIS_URL' : 'DATABASE_URL'} set and no Docker engine answered)`
        : 'the testcontainers container';
  return `${kind} does not answer at ${redactUrl(url)}, ${from}: ${why}. Start it (the README's first lines say how) or set ${kind === 'Redis' ? 'REDIS_URL' : 'DATABASE_URL'}.`;
}

async function checkRedis(url: string, source: ServiceSource): Promise<string | null> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let cause: unknown;
  client.on('error', (error) => (cause = error));
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return explain('Redis', url, source, cause ?? error);
  } finally {
    client.disconnect();
  }
}

async function checkPostgres(url: string, source: ServiceSource): Promise<string | null> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return explain('PostgreSQL', url, source, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
