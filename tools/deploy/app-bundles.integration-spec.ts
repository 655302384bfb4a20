/**
 * What docker/Dockerfile puts in each image, run here without Docker (this machine has no engine):
 * `nx run-many -t build` (the build stage's command, also a step of .ci/run) writes every bundle;
 * each bundle may need only production npm dependencies (the image has `npm ci --omit=dev`); the
 * migrate bundle migrates and reports pending versions (`check`, what the Kubernetes init
 * containers wait on); and every app bundle starts against Redis and PostgreSQL, answers its
 * health and metrics endpoints, moves data, and stops on SIGTERM within the 30 s grace period.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import type Redis from 'ioredis';
import { Client } from 'pg';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  testRedisUrl,
  waitFor,
  type TestDatabase,
} from '@mdp/testing';
import { APPS, ROOT } from './deployment-files';

const BUNDLES = [...APPS, 'migrate', 'cmc-stand-in'];
const bundle = (name: string): string => path.join(ROOT, 'dist/apps', name, 'main.js');

interface Running {
  name: string;
  port: number;
  child: ChildProcess;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(name: string, port: number, env: Record<string, string>): Running {
  // As in the image: `node --enable-source-maps dist/main.js` beside migrations/ and tools/fixtures/.
  const child = spawn(process.execPath, ['--enable-source-maps', bundle(name)], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { name, port, child, output, exit };
}

async function status(port: number, route: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status;
}

describe('app bundles (what each image runs)', () => {
  beforeAll(() => {
    execFileSync('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static'], {
      cwd: ROOT,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'pipe',
      timeout: 300_000,
    });
  }, 320_000);

  it.each(BUNDLES)('%s: built, and needs only production dependencies', (name) => {
    expect(existsSync(bundle(name))).toBe(true);
    const { dependencies } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const required = new Set(
      [...readFileSync(bundle(name), 'utf8').matchAll(/\brequire\("([^".][^"]*)"\)/g)].map(
        (match) => match[1]!,
      ),
    );
    expect(required.size).toBeGreaterThan(0);
    const missing = [...required].filter((request) => {
      if (request.startsWith('node:') || builtinModules.includes(request)) return false;
      const parts = request.split('/');
      const pkg = request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
      return !(pkg in dependencies);
    });
    expect(missing).toEqual([]);
  });

  describe('running', () => {
    let database: TestDatabase;
    let redis: Redis;
    const running: Running[] = [];

    beforeAll(async () => {
      database = await createTestDatabase('mdp_bundles');
      redis = await createTestRedis();
    });

    afterAll(async () => {
      for (const each of running) if (each.child.exitCode === null) each.child.kill('SIGKILL');
      await redis.quit();
      await database.drop();
    });

    function migrate(command: string): { status: number | null; output: string } {
      const result = spawnSync(process.execPath, [bundle('migrate'), command], {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    }

    it('migrate: `check` exits 3 while versions are pending, `migrate` applies them, then `check` exits 0', () => {
      expect(migrate('check').status).toBe(3);
      const applied = migrate('migrate');
      expect([applied.status, applied.output]).toEqual([0, expect.any(String)]);
      expect(migrate('check').status).toBe(0);
    }, 90_000);

    it('every app starts, answers /health/live, /health/ready and /metrics, and data flows', async () => {
      const standInPort = await freePort();
      const standIn = start('cmc-stand-in', standInPort, {});
      running.push(standIn);
      await waitFor('the stand-in', async () => (await status(standInPort, '/health/ready')) === 200, {
        timeoutMs: 20_000,
        intervalMs: 200,
      });
      const shared = {
        REDIS_URL: testRedisUrl(),
        DATABASE_URL: database.url,
        CMC_BASE_URL: `http://127.0.0.1:${standInPort}`,
        INGESTION_SOURCE: 'generator',
        INGESTION_GENERATOR_RATE: '200',
        STREAM_BLOCK_MS: '200',
      };
      for (const app of APPS) running.push(start(app, await freePort(), shared));
      for (const app of running.slice(1)) {
        try {
          await waitFor(`${app.name} ready`, async () => (await status(app.port, '/health/ready')) === 200, {
            timeoutMs: 60_000,
            intervalMs: 250,
          });
        } catch (error) {
          throw new Error(
            `${(error as Error).message}\n${app.name} output:\n${app.output.join('').slice(-3000)}`,
          );
        }
        expect([app.name, await status(app.port, '/health/live')]).toEqual([app.name, 200]);
        expect([app.name, await status(app.port, '/metrics')]).toEqual([app.name, 200]);
      }
      // Generated trades reach the stream and both of its consumer groups; the poller fills tokens.
      await waitFor(
        'trades read by the detector and the flow aggregator',
        async () => {
          const groups = (await redis.xinfo('GROUPS', 'stream:{trades}')) as unknown[][];
          const read = groups.map((group) => ({
            name: String(group[group.indexOf('name') + 1]),
            read: Number(group[group.indexOf('entries-read') + 1]),
          }));
          return ['flow-aggregator', 'liquidation-detector'].every((name) =>
            read.some((group) => group.name === name && group.read > 0),
          );
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        await waitFor(
          'tokens written by the velocity poller',
          async () =>
            Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM tokens')).rows[0]!.n) > 0,
          { timeoutMs: 30_000, intervalMs: 500 },
        );
      } finally {
        await client.end();
      }
    }, 180_000);

    it('every app stops on SIGTERM well within the 30 s grace period', async () => {
      expect(running.length).toBe(APPS.length + 1);
      const stops = running.map(async (app) => {
        const started = Date.now();
        app.child.kill('SIGTERM');
        const { code, signal } = await app.exit;
        // Nest closes the app, then re-raises the signal: exit by SIGTERM (or code 0), never an error code.
        return {
          name: app.name,
          clean: code === 0 || signal === 'SIGTERM',
          fast: Date.now() - started < 20_000,
        };
      });
      const results = await Promise.all(stops);
      expect(results.filter((result) => !result.clean || !result.fast)).toEqual([]);
    }, 60_000);
  });
});
