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

/** Called once: with the caller, or with the 401 / 429 (HttpException) or the backend's error. */
export type AuthenticatedCallback = (
  error: Error | undefined,
  authenticated: Authenticated | undefined,
) => void;

const PRINTABLE = /^[\x21-\x7e]+$/;
/** Anonymous callers have a per-minute limit only; the month counter is given a bound it cannot reach. */
const NO_MONTH_LIMIT = 2 ** 31 - 1;

/**
 * Identifies the caller and counts the request against its limits: 401 for a missing, malformed,
 * unknown or revoked key, 429 with Retry-After when a limit is spent. Used by the HTTP hook and by
 * the WebSocket upgrade. A wrong key costs the same whatever its length or content (it is hashed
 * first, and only hashes are compared), so timing says nothing about valid keys.
 */
export class ApiKeyAuthenticator {
  /** The caller of each key record, made once per record (the key cache hands out the same record). */
  private readonly callers = new WeakMap<ApiKeyRecord, Caller>();

  constructor(
    private readonly cache: ApiKeyCache,
    private readonly limiter: RateLimiter,
    private readonly usage: UsageRecorder,
    private readonly anonymousPerMinute: number,
  ) {}

  /** `check` as a promise (the WebSocket upgrade). */
  authenticate(request: CallerRequest): Promise<Authenticated> {
    return new Promise((resolve, reject) =>
      this.check(request.key, request.ip, request.readOnly, (error, authenticated) => {
        if (authenticated !== undefined) resolve(authenticated);
        else reject(error ?? new Error('called back with nothing'));
      }),
    );
  }

  /**
   * Calls back with the caller, or with the 401 or 429. No promise of its own when the key is in
   * the key cache (this runs on every request): the rate limiter calls back with the verdict.
   */
  check(key: string | undefined, ip: string, readOnly: boolean, callback: AuthenticatedCallback): void {
    if (key === undefined || key === '') {
      if (this.anonymousPerMinute === 0)
        return callback(refusal('missing API key: send it in the X-API-Key header'), undefined);
      if (!readOnly)
        return callback(
          refusal('an API key is required to change data: send it in the X-API-Key header'),
          undefined,
        );
      const perMinute = this.anonymousPerMinute;
      const caller: Caller = { kind: 'anonymous', ip };
      return this.limiter.count(`ip:${ip}`, perMinute, NO_MONTH_LIMIT, Date.now(), (error, verdict) =>
        this.decide(caller, perMinute, error, verdict, callback),
      );
    }
    if (key.length > MAX_API_KEY_LENGTH || !PRINTABLE.test(key))
      return callback(refusal('invalid API key'), undefined);
    const found = this.cache.lookup(hashApiKey(key));
    if (found instanceof Promise)
      found.then(
        (record) => this.admit(record, callback),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), undefined),
      );
    else this.admit(found, callback);
  }

  private admit(record: ApiKeyRecord | null, callback: AuthenticatedCallback): void {
    if (record === null) return callback(refusal('invalid API key'), undefined);
    if (!record.active) return callback(refusal('API key revoked'), undefined);
    const caller = this.callerOf(record);
    this.limiter.count(record.keyHash, record.perMinute, record.perMonth, Date.now(), (error, verdict) =>
      this.decide(caller, record.perMinute, error, verdict, callback),
    );
  }

  private callerOf(record: ApiKeyRecord): Caller {
    let caller = this.callers.get(record);
    if (caller === undefined) {
      caller = { kind: 'key', key: record };
      this.callers.set(record, caller);
    }
    return caller;
  }

  /** The rate limiter's verdict as the caller (its use counted when it is a key) or a 429. */
  private decide(
    caller: Caller,
    perMinute: number,
    error: Error | undefined,
    verdict: RateLimitVerdict | undefined,
    callback: AuthenticatedCallback,
  ): void {
    if (verdict === undefined) return callback(error, undefined);
    if (!verdict.allowed) return callback(tooMany(verdict, perMinute), undefined);
    if (caller.kind === 'key') this.usage.record(caller.key.id);
    callback(undefined, { caller, verdict, limitPerMinute: perMinute });
  }
}

function refusal(message: string): UnauthorizedException {
  return new UnauthorizedException(message);
}

/** A 429 that carries its Retry-After (ApiKeyHook copies it to the response headers). */
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
