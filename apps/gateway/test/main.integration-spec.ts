import {
  freePort,
  spawnTs,
  testRedisUrl,
  waitFor,
  type TestDatabase,
  runWithInvalidConfig,
} from '@mdp/testing';
import { createMigratedDatabase } from '@mdp/data-access-warm-store/testing';

describe('gateway main', () => {
  it('exits 1 and names the variables when the configuration is invalid', async () => {
    expect(
      await runWithInvalidConfig('apps/gateway/src/main.ts', {
        DATABASE_READ_URL: 'mysql://x',
        ANONYMOUS_RATE_LIMIT_PER_MINUTE: '-1',
        TRUST_PROXY: 'perhaps',
      }),
    ).toEqual({
      code: 1,
      level: 60,
      variables: ['ANONYMOUS_RATE_LIMIT_PER_MINUTE', 'DATABASE_READ_URL', 'TRUST_PROXY'],
    });
  });

  describe('as a process', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createMigratedDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('serves, then stops cleanly on SIGTERM', async () => {
      const port = await freePort();
      const lines: string[] = [];
      const child = spawnTs('apps/gateway/src/main.ts', {
        env: {
          HTTP_PORT: String(port),
          HTTP_HOST: '127.0.0.1',
          REDIS_URL: testRedisUrl(),
          DATABASE_URL: database.url,
          LOG_LEVEL: 'info',
        },
        onLine: (line) => lines.push(line),
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await waitFor(
        'the gateway to answer',
        async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok,
        {
          timeoutMs: 30_000,
        },
      );
      const unauthorized = await fetch(`http://127.0.0.1:${port}/api/account`);
      expect(unauthorized.status).toBe(401);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toContain('gateway started');
      expect(messages).toContain('gateway stopping');
    }, 60_000);
  });
});
