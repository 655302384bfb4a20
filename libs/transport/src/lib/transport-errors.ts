/**
 * Thrown by a handler when the failure is outside the message (a database or network outage):
 * the transport neither acks nor dead-letters the message; it backs off and retries it until it
 * succeeds or the service stops, reading nothing new meanwhile.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** Thrown when publish is called with more events buffered than the publisher may hold. */
export class PublisherOverloadedError extends Error {
  constructor(buffered: number, limit: number) {
    super(`publisher holds ${buffered} unsent events, over its limit of ${limit}; Redis is not keeping up`);
    this.name = 'PublisherOverloadedError';
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'object' && error !== null) {
    try {
      return JSON.stringify(error);
    } catch {
      return Object.prototype.toString.call(error);
    }
  }
  return String(error);
}

/** Redis errors worth retrying: connection loss, OOM under maxmemory, cluster moves, loading. */
export function isRetryableRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const message = error.message;
  return (
    /^(OOM|LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/.test(message) ||
    /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Stream isn't writeable|max retries per request|Command timed out|enableOfflineQueue/i.test(
      message,
    )
  );
}

export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}
