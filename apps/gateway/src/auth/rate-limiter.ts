import { createHash } from 'node:crypto';
import type { RedisClient } from '@mdp/platform';

/**
 * Fixed-window counters in Redis, shared by every gateway replica: one per minute and one per
 * calendar month (UTC) per API key, `rate_limit:{<key hash>}:m:<epoch minute>` and
 * `rate_limit:{<key hash>}:M:<yyyymm>`. The braces are a Redis Cluster hash tag, so both counters of
 * a key live in one slot and one script checks and increments them atomically: a refused request
 * counts against nothing. The minute counter keeps seed 003's one-hour TTL; the month counter lives
 * until a day after its month ends.
 */
const SCRIPT = `
local minute = tonumber(redis.call('GET', KEYS[1]) or '0')
local month = tonumber(redis.call('GET', KEYS[2]) or '0')
if minute >= tonumber(ARGV[1]) then return {0, minute, month} end
if month >= tonumber(ARGV[2]) then return {-1, minute, month} end
minute = redis.call('INCR', KEYS[1])
if minute == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
month = redis.call('INCR', KEYS[2])
if month == 1 then redis.call('EXPIREAT', KEYS[2], ARGV[4]) end
return {1, minute, month}
`;

/** seed 003: `rate_limit:{api_key_hash}:{window}`, TTL 3600 s. */
export const MINUTE_WINDOW_TTL_SECONDS = 3_600;

export interface RateLimitVerdict {
  allowed: boolean;
  /** Which limit refused the request. */
  exceeded: 'minute' | 'month' | null;
  minuteCount: number;
  monthCount: number;
  /** Seconds until the refusing window (or, when allowed, the minute window) resets. */
  resetSeconds: number;
}

/** SHA1 of the script (EVALSHA). */
export const RATE_LIMIT_SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');

type Counts = [number, number, number];

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * The window keys of one subject in one minute: built once a minute per subject rather than per
 * request (the last subject seen is remembered; the hot path is one key asking over and over).
 */
interface Windows {
  subject: string;
  minute: number;
  minuteKey: string;
  monthKey: string;
  /** Epoch ms of the first of next month (UTC). */
  monthEnd: number;
}

export class RateLimiter {
  private windows: Windows | null = null;

  /**
   * EVALSHA, and EVAL only when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH). Not
   * ioredis `defineCommand`: with auto-pipelining it sends the whole script (EVAL) with every call,
   * because it remembers loaded scripts per pipeline rather than per connection (measured: about a
   * tenth of the gateway's CPU per request went into writing the script out).
   */
  constructor(private readonly redis: RedisClient) {}

  /**
   * Counts one request for `subject` (a key hash, or `ip:<address>`) if both limits allow it. One
   * promise per call beyond ioredis's own (no async function layers: this runs on every request).
   */
  consume(subject: string, perMinute: number, perMonth: number, now = Date.now()): Promise<RateLimitVerdict> {
    const minute = Math.floor(now / 60_000);
    let windows = this.windows;
    if (windows === null || windows.minute !== minute || windows.subject !== subject) {
      windows = RateLimiter.windowsOf(subject, minute, now);
      this.windows = windows;
    }
    const { minuteKey, monthKey, monthEnd } = windows;
    const monthExpireAt = Math.floor(monthEnd / 1000) + 86_400;
    const redis = this.redis;
    const toVerdict = (counts: Counts) => RateLimiter.verdict(counts, minute, monthEnd, now);
    // One reaction on the script's promise (this runs on every request): the verdict, or EVAL on NOSCRIPT.
    return (
      redis.evalsha(
        RATE_LIMIT_SCRIPT_SHA,
        2,
        minuteKey,
        monthKey,
        perMinute,
        perMonth,
        MINUTE_WINDOW_TTL_SECONDS,
        monthExpireAt,
      ) as Promise<Counts>
    ).then(toVerdict, (error: unknown) => {
      if (!isNoScript(error)) throw error;
      return (
        redis.eval(
          SCRIPT,
          2,
          minuteKey,
          monthKey,
          perMinute,
          perMonth,
          MINUTE_WINDOW_TTL_SECONDS,
          monthExpireAt,
        ) as Promise<Counts>
      ).then(toVerdict);
    });
  }

  private static windowsOf(subject: string, minute: number, now: number): Windows {
    const date = new Date(now);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth();
    const monthId = year * 100 + month + 1;
    return {
      subject,
      minute,
      minuteKey: `rate_limit:{${subject}}:m:${minute}`,
      monthKey: `rate_limit:{${subject}}:M:${monthId}`,
      monthEnd: Date.UTC(year, month + 1, 1),
    };
  }

  private static verdict(counts: Counts, minute: number, monthEnd: number, now: number): RateLimitVerdict {
    const status = counts[0];
    const minuteCount = counts[1];
    const monthCount = counts[2];
    const minuteReset = Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
    if (status === 1)
      return { allowed: true, exceeded: null, minuteCount, monthCount, resetSeconds: minuteReset };
    if (status === 0)
      return { allowed: false, exceeded: 'minute', minuteCount, monthCount, resetSeconds: minuteReset };
    return {
      allowed: false,
      exceeded: 'month',
      minuteCount,
      monthCount,
      resetSeconds: Math.max(1, Math.ceil((monthEnd - now) / 1000)),
    };
  }
}
