import { isTransientDatabaseError } from '@mdp/data-access-warm-store';
import { TransientError } from '@mdp/transport';

/**
 * Runs a warm-store write; when the database is unreachable the error becomes a TransientError, so
 * the transport holds the stream (acks nothing, reads nothing new) and retries the same batch with
 * backoff until the database is back. Other errors (bad data) pass through to be retried and
 * dead-lettered by the transport.
 */
export async function holdOnOutage<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isTransientDatabaseError(error)) {
      throw new TransientError(
        `warm store unavailable while writing ${what}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}
