import type { ChildProcess } from 'node:child_process';
import type { Pool } from 'pg';
import { createLogger, createRedisConnection, loadConfig, type RedisClient } from '@mdp/platform';
import { createMigratedDatabase as createMigrated } from '@mdp/data-access-warm-store/testing';
import { freePort, spawnTs, waitFor, type TestDatabase } from '@mdp/testing';
import type { CmcListingsResponse } from '@mdp/domain-velocity';
import { VelocityPollerService } from '../src/poller/velocity-poller.service';
import { VelocityPollerConfig } from '../src/velocity-poller.config';
import { createVelocityPollerPool } from '../src/velocity-poller.pool';

export const TEST_API_KEY = 'test-key';

/** The stand-in CoinMarketCap server as a child process (the real HTTP server of tools/cmc-stand-in). */
export class StandInProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(tokens = 200): Promise<StandInProcess> {
    const port = await freePort();
    const child = spawnTs('tools/cmc-stand-in/main.ts', {
      env: {
        HTTP_PORT: String(port),
        CMC_STAND_IN_API_KEY: TEST_API_KEY,
        CMC_STAND_IN_TOKENS: String(tokens),
        LOG_LEVEL: 'warn',
      },
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor('the stand-in to listen', async () => (await fetch(`${url}/health/ready`)).ok, {
      timeoutMs: 20_000,
    });
    return new StandInProcess(url, child);
  }

  async fail(kind: string, count = 1): Promise<void> {
    const response = await fetch(`${this.url}/__stand-in/faults?kind=${kind}&count=${count}`, {
      method: 'POST',
    });
    if (!response.ok) throw new Error(`could not queue ${kind}: HTTP ${response.status}`);
  }

  /** The last listings answer the stand-in served (what the poller received). */
  async lastListings(): Promise<CmcListingsResponse> {
    return (await (await fetch(`${this.url}/__stand-in/last-listings`)).json()) as CmcListingsResponse;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** A new database with the warm-store migrations applied (plain PostgreSQL mode on CI machines). */
export function createMigratedDatabase(): Promise<TestDatabase> {
  return createMigrated('mdp_velocity');
}

export interface PollerUnderTest {
  poller: VelocityPollerService;
  pool: Pool;
  redis: RedisClient;
  config: VelocityPollerConfig;
  close(): Promise<void>;
}

/** The poller's parts wired as in the app, against the given database, Redis and CoinMarketCap URL. */
export async function buildPoller(
  databaseUrl: string,
  redisUrl: string,
  cmcUrl: string,
  env: Record<string, string> = {},
): Promise<PollerUnderTest> {
  const config = loadConfig(VelocityPollerConfig, {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    CMC_BASE_URL: cmcUrl,
    CMC_API_KEY: TEST_API_KEY,
    CMC_LISTINGS_LIMIT: '200',
    CMC_RETRY_BASE_MS: '10',
    CMC_RETRY_MAX_MS: '50',
    LOG_LEVEL: 'fatal',
    ...env,
  });
  const logger = createLogger('velocity-poller', config.LOG_LEVEL);
  const pool = createVelocityPollerPool(config, logger);
  const redis = createRedisConnection(config.REDIS_URL, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => 100,
  });
  redis.on('error', () => undefined);
  await waitFor('redis to be ready', () => redis.status === 'ready');
  const poller = new VelocityPollerService({
    config,
    pool,
    redis,
    logger: createLogger('velocity-poller', config.LOG_LEVEL),
  });
  return {
    poller,
    pool,
    redis,
    config,
    close: async () => {
      await poller.scheduler.stop();
      await Promise.race([poller.publisher.close(), new Promise((resolve) => setTimeout(resolve, 500))]);
      await pool.end();
      redis.disconnect();
    },
  };
}
