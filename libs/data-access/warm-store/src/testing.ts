import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, WORKSPACE_ROOT, type TestDatabase } from '@mdp/testing';
import { MigrationRunner } from './lib/migration/migration-runner';
import { PgClientSession } from './lib/sql/pg-client.session';

/**
 * For tests: a new database on the run's PostgreSQL server with every migration of `migrations/`
 * applied (plain PostgreSQL mode on machines without TimescaleDB). `drop()` removes it.
 */
export async function createMigratedDatabase(prefix = 'mdp_test'): Promise<TestDatabase> {
  const database = await createTestDatabase(prefix);
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    await new MigrationRunner(new PgClientSession(client), {
      directory: path.join(WORKSPACE_ROOT, 'migrations'),
      mode: 'auto',
    }).migrate();
  } finally {
    await client.end();
  }
  return database;
}
