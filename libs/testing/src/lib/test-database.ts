import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { LOCAL_DATABASE_URL } from './test-services';

export interface TestDatabase {
  /** Connection URL of a new, empty database that only this test uses. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates an empty database on the run's PostgreSQL server; `drop()` removes it. */
export async function createTestDatabase(prefix = 'mdp_test'): Promise<TestDatabase> {
  const adminUrl = process.env['MDP_TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? LOCAL_DATABASE_URL;
  const name = `${prefix}_${process.env['JEST_WORKER_ID'] ?? '0'}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE template0`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
