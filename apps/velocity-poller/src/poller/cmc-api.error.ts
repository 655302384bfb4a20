/**
 * A failed CoinMarketCap call: the HTTP status, the `status.error_code` of the envelope (0 when the
 * body had none), its message, and whether waiting and asking again can succeed (per-minute and
 * per-IP rate limits 1008/1011, 5xx, network errors and timeouts) or not (key, plan and allowance
 * errors 1001-1007/1009/1010, bad requests, malformed bodies).
 */
export class CmcApiError extends Error {
  constructor(
    message: string,
    readonly kind: 'http' | 'envelope' | 'malformed' | 'network',
    readonly httpStatus: number | null,
    readonly errorCode: number | null,
    readonly retryable: boolean,
    /** Seconds from a Retry-After header, when the server sent one. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'CmcApiError';
  }
}
