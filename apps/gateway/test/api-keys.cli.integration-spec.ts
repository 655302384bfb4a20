import { createTestRedis, testRedisUrl, type TestDatabase } from '@mdp/testing';
import type Redis from 'ioredis';
import { Pool } from 'pg';
import { hashApiKey, API_KEY_REVOKED_CHANNEL } from '../src/auth/api-key';
import { runApiKeysCommand } from '../src/api-keys.cli';
import { createMigratedDatabase } from '@mdp/data-access-warm-store/testing';

describe('api-keys command', () => {
  let database: TestDatabase;
  let sql: Pool;
  let redis: Redis;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    sql = new Pool({ connectionString: database.url, max: 1 });
    redis = await createTestRedis();
  });
  afterAll(async () => {
    await sql?.end();
    redis?.disconnect();
    await database?.drop();
  });

  async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runApiKeysCommand(
      argv,
      { DATABASE_URL: database.url, REDIS_URL: testRedisUrl() },
      (line) => out.push(line),
      (line) => err.push(line),
    );
    return { code, out, err };
  }

  it('creates a key, stores only its hash, lists it and revokes it, telling the gateways', async () => {
    const created = await run('create', '--name', 'my bot', '--tier', 'pro', '--per-minute', '120', '--json');
    expect(created.code).toBe(0);
    const record = JSON.parse(created.out[0]!) as {
      key: string;
      id: number;
      tier: string;
      perMinute: number;
      perMonth: number;
    };
    expect(record).toMatchObject({ tier: 'pro', perMinute: 120, perMonth: 1_000_000 });
    expect(record.key).toMatch(/^mdp_[A-Za-z0-9_-]{43}$/);
    const rows = await sql.query<{ key_hash: string; name: string }>('SELECT key_hash, name FROM api_keys');
    expect(rows.rows).toEqual([{ key_hash: hashApiKey(record.key), name: 'my bot' }]);
    const dump = JSON.stringify((await sql.query('SELECT * FROM api_keys')).rows);
    expect(dump).not.toContain(record.key);

    const listed = await run('list');
    expect(listed.code).toBe(0);
    expect(listed.out[0]).toMatch(
      new RegExp(
        `^${record.id}  my bot  pro  120/min  1000000/month  active  created .* last used never  0 requests$`,
      ),
    );

    const subscriber = redis.duplicate();
    const announced = new Promise<string>((resolve) =>
      subscriber.on('message', (_channel, message: string) => resolve(message)),
    );
    await subscriber.subscribe(API_KEY_REVOKED_CHANNEL);
    const revoked = await run('revoke', String(record.id));
    expect(revoked.code).toBe(0);
    // Pub/sub is server-wide (not per database): gateways of other test workers may hear it too.
    expect(revoked.out[0]).toMatch(/^revoked; [1-9]\d* running gateway/);
    expect(await announced).toBe(hashApiKey(record.key));
    subscriber.disconnect();
    expect(
      (await sql.query<{ is_active: boolean }>('SELECT is_active FROM api_keys')).rows[0]!.is_active,
    ).toBe(false);
    expect((await run('list')).out[0]).toContain('revoked');
  });

  it('revokes by the key itself and says when nothing matches', async () => {
    const created = await run('create', '--name', 'other', '--json');
    const { key } = JSON.parse(created.out[0]!) as { key: string };
    expect((await run('revoke', key)).code).toBe(0);
    const missing = await run('revoke', '999999');
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toBe('no API key with id 999999');
  });

  it('refuses bad arguments with the reason and the usage, creating nothing', async () => {
    const before = (await sql.query('SELECT count(*)::int AS n FROM api_keys')).rows[0] as { n: number };
    for (const [argv, reason] of [
      [['create'], 'create needs --name'],
      [
        ['create', '--name', 'x', '--tier', 'gold'],
        '--tier must be one of basic, pro, enterprise, got "gold"',
      ],
      [['create', '--name', 'x', '--per-minute', '0'], '--per-minute must be a whole number'],
      [['frobnicate'], 'unknown command "frobnicate"'],
      [['create', '--bogus'], "Unknown option '--bogus'"],
    ] as const) {
      const result = await run(...argv);
      expect(result.code).toBe(2);
      expect(result.err[0]).toContain(reason);
      expect(result.err.join('\n')).toContain('usage: npm run api-keys');
    }
    const after = (await sql.query('SELECT count(*)::int AS n FROM api_keys')).rows[0] as { n: number };
    expect(after.n).toBe(before.n);
  });
});
