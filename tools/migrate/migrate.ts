/**
 * The warm-store migration command.
 *
 *   node -r @swc-node/register tools/migrate/migrate.ts [migrate|info|check]
 *   node dist/apps/migrate/main.js [migrate|info|check]        (the bundle, `nx run tools:build`)
 *
 * `migrate` (default) applies pending migrations, each version in one transaction, after checking
 * every applied one against its file (an edited applied file stops the run). `info` only checks and
 * lists the pending versions. `check` is `info` that exits 3 while versions are pending: the
 * deployments' init containers wait on it for the migration Job (docker/k8s).
 * Settings: DATABASE_URL, MIGRATIONS_DIR, WARM_STORE_MODE, LOG_LEVEL.
 */
import 'reflect-metadata';
import path from 'node:path';
import { Client } from 'pg';
import { ConfigError, createLogger, loadConfig } from '@mdp/platform';
import {
  MigrationError,
  MigrationRunner,
  PgClientSession,
  type WarmStoreMode,
} from '@mdp/data-access-warm-store';
import { MigrateConfig } from './migrate.config';

async function main(): Promise<number> {
  const command = process.argv[2] ?? 'migrate';
  if (command !== 'migrate' && command !== 'info' && command !== 'check') {
    process.stderr.write(`unknown command ${command}; use migrate, info or check\n`);
    return 2;
  }
  let config: MigrateConfig;
  try {
    config = loadConfig(MigrateConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger('migrate').fatal({ problems: error.problems }, error.message);
      return 1;
    }
    throw error;
  }
  const logger = createLogger('migrate', config.LOG_LEVEL);
  const client = new Client({
    connectionString: config.DATABASE_URL,
    application_name: 'warm-store-migrate',
  });
  await client.connect();
  try {
    const runner = new MigrationRunner(new PgClientSession(client), {
      directory: path.resolve(config.MIGRATIONS_DIR),
      mode: config.WARM_STORE_MODE as WarmStoreMode | 'auto',
      logger,
    });
    if (command === 'info' || command === 'check') {
      const pending = await runner.pending();
      logger.info(
        { pending: pending.map((version) => `V${version.version}__${version.description}`) },
        `${pending.length} pending migration(s)`,
      );
      if (command === 'check' && pending.length > 0) return 3;
    } else {
      await runner.migrate();
    }
    return 0;
  } catch (error) {
    if (error instanceof MigrationError) {
      logger.error({ code: error.code }, error.message);
      return 1;
    }
    throw error;
  } finally {
    await client.end();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    createLogger('migrate').fatal(
      { error: error instanceof Error ? error.stack : String(error) },
      'migration command failed',
    );
    process.exitCode = 1;
  },
);
