import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Matches } from 'class-validator';
import { createWarmStoreDataSource } from '@mdp/data-access-warm-store';
import { ConfigError, Describe, createRedisConnection, loadConfig } from '@mdp/platform';
import { API_KEY_REVOKED_CHANNEL, API_KEY_TIERS, isApiKeyTier } from './auth/api-key';
import { ApiKeyStore } from './auth/api-key.store';

/** The settings the key command reads: where the keys live, and the Redis whose gateways to tell. */
export class ApiKeysCommandConfig {
  @Describe('PostgreSQL / TimescaleDB URL of the warm store holding api_keys')
  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/mdp';

  @Describe('Redis URL the gateways use (revocations are announced there)')
  @Matches(/^(redis|rediss|redis-cluster):\/\/.+/, { message: '$property must be a redis URL' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';
}

const USAGE = `usage: npm run api-keys -- <command>
  create --name <name> [--tier basic|pro|enterprise] [--per-minute N] [--per-month N]
         prints the new key once; only its SHA-256 is stored
  list   every key: id, name, tier, limits, active, created, last used, usage count
  revoke <id | key>
         marks the key inactive and tells every running gateway at once
options: --json prints JSON; DATABASE_URL and REDIS_URL say where the keys and the gateways are`;

class UsageError extends Error {}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2 ** 31 - 1)
    throw new UsageError(
      `--${name} must be a whole number from 1 to ${2 ** 31 - 1}, got ${JSON.stringify(value)}`,
    );
  return Number(value);
}

/** Runs the command; returns the exit code. Output goes to `out`, errors to `err`. */
export async function runApiKeysCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  let config: ApiKeysCommandConfig;
  try {
    config = loadConfig(ApiKeysCommandConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.message);
      return 2;
    }
    throw error;
  }
  const json = parsed.values.json === true;
  const dataSource = createWarmStoreDataSource(config.DATABASE_URL, {
    poolSize: 1,
    applicationName: 'api-keys',
  });
  try {
    if (command !== 'create' && command !== 'list' && command !== 'revoke')
      throw new UsageError(
        command === undefined ? 'no command given' : `unknown command ${JSON.stringify(command)}`,
      );
    await dataSource.initialize();
    const store = new ApiKeyStore(dataSource);
    if (command === 'create') {
      const name = parsed.values.name;
      if (!name) throw new UsageError('create needs --name');
      const tier = parsed.values.tier ?? 'basic';
      if (!isApiKeyTier(tier))
        throw new UsageError(
          `--tier must be one of ${Object.keys(API_KEY_TIERS).join(', ')}, got ${JSON.stringify(tier)}`,
        );
      const created = await store.create({
        name,
        tier,
        perMinute: positiveInt('per-minute', parsed.values['per-minute']),
        perMonth: positiveInt('per-month', parsed.values['per-month']),
      });
      if (json) out(JSON.stringify({ key: created.key, ...created.record }));
      else {
        out(
          `created key ${created.record.id} (${created.record.name}, tier ${created.record.tier}, ` +
            `${created.record.perMinute}/min, ${created.record.perMonth}/month)`,
        );
        out(`key: ${created.key}`);
        out('it is shown only now; store it somewhere safe');
      }
      return 0;
    }
    if (command === 'list') {
      const keys = await store.list();
      if (json) out(JSON.stringify(keys));
      else if (keys.length === 0) out('no API keys');
      else
        for (const key of keys)
          out(
            [
              key.id,
              key.name ?? '-',
              key.tier,
              `${key.perMinute}/min`,
              `${key.perMonth}/month`,
              key.active ? 'active' : 'revoked',
              `created ${key.createdAt.toISOString()}`,
              `last used ${key.lastUsedAt?.toISOString() ?? 'never'}`,
              `${key.usageCount} requests`,
            ].join('  '),
          );
      return 0;
    }
    const target = rest[0];
    if (target === undefined) throw new UsageError('revoke needs a key id or the key itself');
    const keyHash = await store.revoke(/^\d+$/.test(target) ? Number(target) : target);
    if (keyHash === null) {
      err(`no API key ${/^\d+$/.test(target) ? `with id ${target}` : 'matches the key given'}`);
      return 1;
    }
    const redis = createRedisConnection(config.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      const gateways = await redis.publish(API_KEY_REVOKED_CHANNEL, keyHash);
      out(
        json
          ? JSON.stringify({ revoked: true, gatewaysTold: gateways })
          : `revoked; ${gateways} running gateway connection(s) told`,
      );
    } catch (error) {
      out(
        json
          ? JSON.stringify({ revoked: true, gatewaysTold: 0 })
          : `revoked; Redis unreachable (${(error as Error).message}), gateways notice within API_KEY_CACHE_TTL_MS`,
      );
    } finally {
      redis.disconnect();
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n${USAGE}`);
      return 2;
    }
    err(`failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

const OPTIONS = {
  name: { type: 'string' },
  tier: { type: 'string' },
  'per-minute': { type: 'string' },
  'per-month': { type: 'string' },
  json: { type: 'boolean' },
} as const;

if (require.main === module) {
  void runApiKeysCommand(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  ).then((code) => process.exit(code));
}
