import { HttpException, HttpStatus, UnauthorizedException } from '@nestjs/common';
import { MAX_API_KEY_LENGTH, hashApiKey, type ApiKeyRecord } from './api-key';
import type { ApiKeyCache } from './api-key.cache';
import type { RateLimiter, RateLimitVerdict } from './rate-limiter';
import type { UsageRecorder } from './usage.recorder';

/** Who a request is: a key's row, or an anonymous client by IP (when anonymous access is on). */
export type Caller = { kind: 'key'; key: ApiKeyRecord } | { kind: 'anonymous'; ip: string };

export interface CallerRequest {
  /** X-API-Key, `Authorization: Bearer`, or the `api_key` query parameter of a WebSocket upgrade. */
  key: string | undefined;
  ip: string;
  /** Anonymous access is read-only. */
  readOnly: boolean;
}

export interface Authenticated {
  caller: Caller;
  verdict: RateLimitVerdict;
  limitPerMinute: number;
}

const PRINTABLE = /^[\x21-\x7e]+$/;
/** Anonymous callers have a per-minute limit only; the month counter is given a bound it cannot reach. */
const NO_MONTH_LIMIT = 2 ** 31 - 1;

/**
 * Identifies the caller and counts the request against its limits: 401 for a missing, malformed,
 * unknown or revoked key, 429 with Retry-After when a limit is spent. Used by the HTTP guard and by
 * the WebSocket upgrade. A wrong key costs the same whatever its length or content (it is hashed
 * first, and only hashes are compared), so timing says nothing about valid keys.
 */
export class ApiKeyAuthenticator {
  constructor(
    private readonly cache: ApiKeyCache,
    private readonly limiter: RateLimiter,
    private readonly usage: UsageRecorder,
    private readonly anonymousPerMinute: number,
  ) {}

  /**
   * Rejects (never throws) with the 401 or 429. A key found in the key cache costs one promise
   * beyond the rate-limit script's own: this runs on every request.
   */
  authenticate(request: CallerRequest): Promise<Authenticated> {
    const key = request.key;
    if (key === undefined || key === '') {
      if (this.anonymousPerMinute === 0) return refuse('missing API key: send it in the X-API-Key header');
      if (!request.readOnly)
        return refuse('an API key is required to change data: send it in the X-API-Key header');
      const ip = request.ip;
      const perMinute = this.anonymousPerMinute;
      return this.limiter.consume(`ip:${ip}`, perMinute, NO_MONTH_LIMIT).then((verdict) => {
        if (!verdict.allowed) throw tooMany(verdict, perMinute);
        return { caller: { kind: 'anonymous', ip } as Caller, verdict, limitPerMinute: perMinute };
      });
    }
    if (key.length > MAX_API_KEY_LENGTH || !PRINTABLE.test(key)) return refuse('invalid API key');
    const found = this.cache.lookup(hashApiKey(key));
    if (found instanceof Promise) return found.then((record) => this.admit(record));
    return this.admit(found);
  }

  private admit(record: ApiKeyRecord | null): Promise<Authenticated> {
    if (record === null) return refuse('invalid API key');
    if (!record.active) return refuse('API key revoked');
    return this.limiter.consume(record.keyHash, record.perMinute, record.perMonth).then((verdict) => {
      if (!verdict.allowed) throw tooMany(verdict, record.perMinute);
      this.usage.record(record.id);
      return { caller: { kind: 'key', key: record } as Caller, verdict, limitPerMinute: record.perMinute };
    });
  }
}

function refuse(message: string): Promise<never> {
  return Promise.reject(new UnauthorizedException(message));
}

/** A 429 that carries its Retry-After (the guard copies it to the response headers). */
export class RateLimitedException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}

function tooMany(verdict: RateLimitVerdict, perMinute: number): RateLimitedException {
  return new RateLimitedException(
    verdict.resetSeconds,
    verdict.exceeded === 'month'
      ? `monthly request limit reached; it resets in ${verdict.resetSeconds} s`
      : `rate limit of ${perMinute} requests per minute reached; retry in ${verdict.resetSeconds} s`,
  );
}
