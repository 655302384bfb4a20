import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` with a client of the pool. A connection lost while the client is checked out (between
 * statements) is caught here instead of crashing the process, and a client whose call failed is
 * destroyed rather than returned, so the next call opens a fresh connection.
 */
export async function withPooledClient<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | null = null;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    const result = await fn(client);
    if (lost) {
      client.release(lost);
    } else {
      client.off('error', onError);
      client.release();
    }
    return result;
  } catch (error) {
    // The listener stays: a dying connection can still emit its FATAL after the failed query.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}
