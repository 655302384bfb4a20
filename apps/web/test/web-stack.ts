import { execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type Redis from 'ioredis';
import { createMigratedDatabase } from '@mdp/data-access-warm-store/testing';
import {
  WORKSPACE_ROOT,
  createTestRedis,
  freePort,
  spawnTs,
  testRedisUrl,
  waitFor,
  type TestDatabase,
} from '@mdp/testing';

/** The services behind the page, in start order (as tools/start/start.ts runs them). */
const SERVICES = [
  'ingestion',
  'liquidation-detector',
  'flow-aggregator',
  'velocity-poller',
  'warm-writer',
] as const;

export const WEB_DIST = path.join(WORKSPACE_ROOT, 'dist/apps/web');

/** Builds the page (what `nx build web` runs) into dist/apps/web. */
export function buildWebView(): void {
  execFileSync(process.execPath, [path.join(WORKSPACE_ROOT, 'apps/web/build.js')], {
    cwd: WORKSPACE_ROOT,
    stdio: 'pipe',
    timeout: 120_000,
  });
}

interface Child {
  name: string;
  port: number;
  child: ChildProcess;
  output: string[];
}

export interface WebStack {
  /** `http://127.0.0.1:<port>` of the gateway. */
  url: string;
  redis: Redis;
  database: TestDatabase;
  /** The child processes' recent output, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

async function ready(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`, {
    signal: AbortSignal.timeout(2_000),
  });
  await response.arrayBuffer();
  return response.status === 200;
}

/**
 * The whole system fed by the generator, as child processes on the worker's Redis database and a
 * migrated database of its own: the CoinMarketCap stand-in, every service and the gateway, with the
 * intervals shortened so that snapshots, thresholds and token updates arrive within seconds.
 */
export async function startWebStack(): Promise<WebStack> {
  const database = await createMigratedDatabase('mdp_web');
  const redis = await createTestRedis();
  const children: Child[] = [];
  const start = (name: string, file: string, port: number, env: Record<string, string>): Child => {
    const output: string[] = [];
    const child = spawnTs(path.join(WORKSPACE_ROOT, file), {
      env: { HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port), LOG_LEVEL: 'warn', ...env },
      onLine: (line) => {
        output.push(line);
        if (output.length > 40) output.shift();
      },
    });
    const entry = { name, port, child, output };
    children.push(entry);
    return entry;
  };
  const stop = async () => {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    redis.disconnect();
    await database.drop();
  };
  const output = () =>
    children.map(({ name, output: lines }) => `--- ${name}\n${lines.slice(-10).join('\n')}`).join('\n');
  try {
    const standInPort = await freePort();
    start('cmc-stand-in', 'tools/cmc-stand-in/main.ts', standInPort, { CMC_STAND_IN_TOKENS: '60' });
    const shared = {
      REDIS_URL: testRedisUrl(),
      DATABASE_URL: database.url,
      STREAM_BLOCK_MS: '200',
    };
    const ports: Record<string, number> = {};
    for (const name of SERVICES) ports[name] = await freePort();
    start('ingestion', 'apps/ingestion/src/main.ts', ports['ingestion']!, {
      ...shared,
      INGESTION_SOURCE: 'generator',
      INGESTION_GENERATOR_RATE: '100',
    });
    start('liquidation-detector', 'apps/liquidation-detector/src/main.ts', ports['liquidation-detector']!, {
      ...shared,
      PERCENTILE_MIN_SAMPLES: '10',
    });
    start('flow-aggregator', 'apps/flow-aggregator/src/main.ts', ports['flow-aggregator']!, {
      ...shared,
      FLOW_PUBLISH_INTERVAL_MS: '2000',
    });
    start('velocity-poller', 'apps/velocity-poller/src/main.ts', ports['velocity-poller']!, {
      ...shared,
      CMC_BASE_URL: `http://127.0.0.1:${standInPort}`,
      CMC_LISTINGS_LIMIT: '60',
      POLL_INTERVAL_MS: '3000',
    });
    start('warm-writer', 'apps/warm-writer/src/main.ts', ports['warm-writer']!, shared);
    const gatewayPort = await freePort();
    start('gateway', 'apps/gateway/src/main.ts', gatewayPort, {
      ...shared,
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: '100000',
      WEB_VIEW_DIR: WEB_DIST,
      STATUS_SERVICE_URLS: SERVICES.map((name) => `${name}=http://127.0.0.1:${ports[name]}`).join(','),
    });
    for (const { name, port } of children.slice(1))
      await waitFor(`${name} ready`, () => ready(port), { timeoutMs: 90_000, intervalMs: 250 });
    return { url: `http://127.0.0.1:${gatewayPort}`, redis, database, output, stop };
  } catch (error) {
    const text = output();
    await stop();
    throw new Error(`${(error as Error).message}\n${text}`);
  }
}
