import { isTransientDatabaseError } from '@mdp/data-access-warm-store';

export type Backend = 'redis' | 'database';

// Only what ioredis itself says: bare socket errors (ECONNREFUSED...) from a command path are the
// database's (pg surfaces them as they are), while ioredis without an offline queue reports
// "Stream isn't writeable" / "Connection is closed" instead.
const REDIS_UNAVAILABLE =
  /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out|Reached the max retries per request|None of startup nodes|ClusterAllFailed|Failed to refresh slots|^LOADING|^BUSY|^MASTERDOWN|^TRYAGAIN|^CLUSTERDOWN|^OOM |^MISCONF|^READONLY/;

/**
 * Which backend, if any, an error says is unavailable right now: Redis down, slow past the command
 * timeout, loading, out of memory, or the database unreachable, timed out, shutting down. Those
 * answer 503 with Retry-After; anything else is a bug or bad data and answers 500 (or its own 4xx).
 */
export function unavailableBackend(error: unknown): Backend | null {
  if (typeof error !== 'object' || error === null) return null;
  const { name, message } = error as { name?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (name === 'MaxRetriesPerRequestError' || name === 'ClusterAllFailedError') return 'redis';
  // TypeORM before its DataSource could initialize (the database was down when the gateway started).
  if (name === 'EntityMetadataNotFoundError' || name === 'CannotExecuteNotConnectedError') return 'database';
  if (REDIS_UNAVAILABLE.test(text) && !isPgError(error)) return 'redis';
  const driverError = (error as { driverError?: unknown }).driverError;
  if (isTransientDatabaseError(error) || (driverError !== undefined && isTransientDatabaseError(driverError)))
    return 'database';
  if (
    /canceling statement due to statement timeout|Query read timeout|timeout exceeded when trying to connect/i.test(
      text,
    )
  )
    return 'database';
  return null;
}

function isPgError(error: object): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^E[A-Z]+$/.test(code);
}
