/**
 * True when a database error says the database is unreachable or unavailable right now (connection
 * refused or lost, server shutting down or starting, too many connections, connection privilege
 * revoked, serialization conflicts), so the same write will succeed later. False for errors about
 * the data itself (constraint violations, bad values), which retrying cannot fix.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  // Not `instanceof Error`: socket errors can come from another realm (Jest's sandbox, worker threads).
  if (typeof error !== 'object' || error === null) return false;
  const { code, message: rawMessage } = error as { code?: unknown; message?: unknown };
  const message = typeof rawMessage === 'string' ? rawMessage : '';
  if (typeof code === 'string') {
    if (/^(08|53|57|58)/.test(code)) return true; // connection exception, insufficient resources, operator intervention, system error
    if (code === '40001' || code === '40P01') return true; // serialization failure, deadlock
    if (code === '42501' && /permission denied for database/i.test(message)) return true; // CONNECT revoked
    if (/^E[A-Z]+$/.test(code))
      return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNABORTED)$/.test(
        code,
      );
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable|the database system is (starting up|shutting down|in recovery mode)|terminating connection/i.test(
    message,
  );
}
