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

/**
 * Whether a value is an Error, by shape rather than `instanceof`: errors raised by Node's own
 * modules come from another realm under Jest's sandbox, where `instanceof Error` is false.
 */
export function isErrorLike(error: unknown): error is Error {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

export function errorText(error: unknown): string {
  if (isErrorLike(error)) return `${error.name ?? 'Error'}: ${error.message}`;
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
  if (!isErrorLike(error)) return false;
  const message = error.message;
  return (
    /^(OOM|LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/.test(message) ||
    /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Stream isn't writeable|max retries per request|Command timed out|enableOfflineQueue/i.test(
      message,
    )
  );
}

export function isNoGroupError(error: unknown): boolean {
  return isErrorLike(error) && error.message.startsWith('NOGROUP');
}
