import type { Logger } from '@mdp/platform';
import type { CmcStatus } from '@mdp/domain-velocity';
import { CmcApiError } from './cmc-api.error';

export interface CmcClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  logger?: Logger;
}

export interface CmcListingsResult {
  /** `data` as received: validated listing by listing by the caller. */
  data: unknown[];
  status: CmcStatus;
  attempts: number;
}

/** error_codes worth retrying: per-minute rate limit and per-IP rate limit. */
const RETRYABLE_CODES = new Set([1008, 1011]);

/**
 * Client of the CoinMarketCap Pro API `GET /v1/cryptocurrency/listings/latest`: the key in the
 * `X-CMC_PRO_API_KEY` header, the `status` envelope checked on every answer (a 200 with a non-zero
 * error_code is an error), HTTP 429 (1008, 1011) and 5xx and network failures retried with capped
 * exponential backoff and jitter (Retry-After honoured), and the credits of every call counted.
 */
export class CmcClient {
  /** Credits consumed (status.credit_count), in total and in the current UTC day. */
  readonly credits = { total: 0, today: 0, day: '' };
  readonly stats = { requests: 0, retries: 0, failures: 0 };

  constructor(private readonly options: CmcClientOptions) {}

  async fetchListings(limit: number): Promise<CmcListingsResult> {
    const url = new URL('/v1/cryptocurrency/listings/latest', this.options.baseUrl);
    url.searchParams.set('start', '1');
    url.searchParams.set('limit', String(limit));
    url.searchParams.set('convert', 'USD');
    for (let attempt = 1; ; attempt++) {
      try {
        const { body, status } = await this.get(url);
        const data = (body as { data?: unknown }).data;
        if (!Array.isArray(data)) {
          throw new CmcApiError('response has no data array', 'malformed', 200, status.error_code, false);
        }
        return { data, status, attempts: attempt };
      } catch (error) {
        const failure = error instanceof CmcApiError ? error : networkError(error);
        if (!failure.retryable || attempt >= this.options.maxAttempts) {
          this.stats.failures += 1;
          throw failure;
        }
        this.stats.retries += 1;
        const backoff = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (attempt - 1));
        const delay =
          failure.retryAfterSeconds !== null
            ? Math.min(this.options.retryMaxMs, failure.retryAfterSeconds * 1_000)
            : Math.round(backoff * (0.5 + Math.random() / 2));
        this.options.logger?.warn(
          {
            attempt,
            delayMs: delay,
            httpStatus: failure.httpStatus,
            errorCode: failure.errorCode,
            error: failure.message,
          },
          'CoinMarketCap request failed, retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async get(url: URL): Promise<{ body: unknown; status: CmcStatus }> {
    this.stats.requests += 1;
    const response = await fetch(url, {
      headers: { 'X-CMC_PRO_API_KEY': this.options.apiKey, Accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // A 5xx from a proxy in front of the API may carry HTML: still a 5xx, still retryable.
      if (response.status >= 500) {
        throw new CmcApiError(
          `HTTP ${response.status}`,
          'http',
          response.status,
          null,
          true,
          retryAfter(response),
        );
      }
      throw new CmcApiError(
        `malformed response body (HTTP ${response.status}, ${text.length} bytes, not JSON)`,
        'malformed',
        response.status,
        null,
        false,
      );
    }
    const status = (body as { status?: unknown } | null)?.status as CmcStatus | undefined;
    if (typeof status !== 'object' || status === null || typeof status.error_code !== 'number') {
      if (response.status >= 500) {
        throw new CmcApiError(
          `HTTP ${response.status}`,
          'http',
          response.status,
          null,
          true,
          retryAfter(response),
        );
      }
      throw new CmcApiError('response has no status envelope', 'malformed', response.status, null, false);
    }
    this.countCredits(status.credit_count);
    if (response.status !== 200 || status.error_code !== 0) {
      const retryable =
        response.status >= 500 ||
        (response.status === 429 && RETRYABLE_CODES.has(status.error_code)) ||
        RETRYABLE_CODES.has(status.error_code);
      throw new CmcApiError(
        `CoinMarketCap error ${status.error_code} (HTTP ${response.status}): ${status.error_message ?? 'no message'}`,
        response.status !== 200 ? 'http' : 'envelope',
        response.status,
        status.error_code,
        retryable,
        retryAfter(response),
      );
    }
    return { body, status };
  }

  private countCredits(credits: unknown): void {
    if (typeof credits !== 'number' || !Number.isFinite(credits)) return;
    const day = new Date().toISOString().slice(0, 10);
    if (day !== this.credits.day) {
      this.credits.day = day;
      this.credits.today = 0;
    }
    this.credits.today += credits;
    this.credits.total += credits;
  }
}

function retryAfter(response: Response): number | null {
  const value = response.headers.get('retry-after');
  if (value === null) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

function networkError(error: unknown): CmcApiError {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new CmcApiError(`request failed: ${message}`, 'network', null, null, true);
}
