import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` with a client of the pool. A client whose call failed is destroyed rather than returned
 * (after a connection loss it would fail again), so the next call opens a fresh connection.
 */
export async function withPooledClient<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const result = await fn(client);
    client.release();
    return result;
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}
