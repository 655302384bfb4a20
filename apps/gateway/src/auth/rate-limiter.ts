import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { RedisClient } from '@mdp/platform';

/**
 * Fixed-window counters in Redis, shared by every gateway replica: one per minute and one per
 * calendar month (UTC) per API key, `rate_limit:{<key hash>}:m:<epoch minute>` and
 * `rate_limit:{<key hash>}:M:<yyyymm>`. The braces are a Redis Cluster hash tag, so both counters of
 * a key live in one slot and one script checks and increments them atomically: a refused request
 * counts against nothing. The minute counter keeps seed 003's one-hour TTL; the month counter lives
 * until a day after its month ends.
 *
 * The script counts ARGV[5] requests of one subject at once: as many as both limits still allow are
 * admitted and counted, the rest refused, exactly as that many runs of a one-request script in a row
 * would decide. It answers how many it admitted and both counts before them.
 */
const SCRIPT = `
local minute = tonumber(redis.call('GET', KEYS[1]) or '0')
local month = tonumber(redis.call('GET', KEYS[2]) or '0')
local admitted = math.min(tonumber(ARGV[5]), tonumber(ARGV[1]) - minute, tonumber(ARGV[2]) - month)
if admitted <= 0 then return {0, minute, month} end
if redis.call('INCRBY', KEYS[1], admitted) == admitted then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
if redis.call('INCRBY', KEYS[2], admitted) == admitted then redis.call('EXPIREAT', KEYS[2], ARGV[4]) end
return {admitted, minute, month}
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

/** How many of the batch were admitted, and the minute and month counts before them. */
type Counts = [number, number, number];

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

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

/** Called once with the verdict, or with the error when Redis could not count (never both). */
export type VerdictCallback = (error: Error | undefined, verdict: RateLimitVerdict | undefined) => void;

/** Requests of one subject, window and limits waiting for the same script run. */
interface Batch {
  windows: Windows;
  perMinute: number;
  perMonth: number;
  /** When the first of them asked (their reset times are counted from it). */
  now: number;
  callbacks: VerdictCallback[];
}

export class RateLimiter {
  private windows: Windows | null = null;
  /** The batches of this turn of the event loop, by minute counter key. */
  private batches = new Map<string, Batch>();
  private scheduled = false;

  /**
   * EVALSHA, and EVAL only when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH). Not
   * ioredis `defineCommand`: with auto-pipelining it sends the whole script (EVAL) with every call,
   * because it remembers loaded scripts per pipeline rather than per connection (measured: about a
   * tenth of the gateway's CPU per request went into writing the script out).
   */
  constructor(private readonly redis: RedisClient) {
    this.keyPrefix = (redis.options as { keyPrefix?: string }).keyPrefix;
  }

  private readonly keyPrefix: string | undefined;

  /** `count` as a promise of the verdict. */
  consume(subject: string, perMinute: number, perMonth: number, now = Date.now()): Promise<RateLimitVerdict> {
    return new Promise((resolve, reject) =>
      this.count(subject, perMinute, perMonth, now, (error, verdict) => {
        if (verdict !== undefined) resolve(verdict);
        else reject(error ?? new Error('called back with nothing'));
      }),
    );
  }

  /**
   * Counts one request for `subject` (a key hash, or `ip:<address>`) if both limits allow it, and
   * calls `callback` with the verdict (no promise: this runs on every request).
   *
   * The requests of one subject that arrive in one turn of the event loop (those read from the
   * sockets together) share one script run, sent when the turn's I/O is done (setImmediate, as
   * ioredis's auto-pipelining does): one Redis command per subject and turn instead of one per
   * request, with the same verdicts, in the order asked, as one command each would give.
   */
  count(subject: string, perMinute: number, perMonth: number, now: number, callback: VerdictCallback): void {
    const minute = Math.floor(now / 60_000);
    let windows = this.windows;
    if (windows === null || windows.minute !== minute || windows.subject !== subject) {
      windows = RateLimiter.windowsOf(subject, minute, now);
      this.windows = windows;
    }
    let batch = this.batches.get(windows.minuteKey);
    if (
      batch === undefined ||
      batch.perMinute !== perMinute ||
      batch.perMonth !== perMonth ||
      batch.windows.monthKey !== windows.monthKey
    ) {
      // Other limits for the same counters (a key's limits just changed): what was asked before goes first.
      if (batch !== undefined) this.send(batch);
      batch = { windows, perMinute, perMonth, now, callbacks: [] };
      this.batches.set(windows.minuteKey, batch);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    }
    batch.callbacks.push(callback);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batches = this.batches;
    this.batches = new Map();
    for (const batch of batches.values()) this.send(batch);
  };

  private send(batch: Batch): void {
    const { minuteKey, monthKey, monthEnd } = batch.windows;
    if (this.batches.get(minuteKey) === batch) this.batches.delete(minuteKey);
    const args = [
      minuteKey,
      monthKey,
      batch.perMinute,
      batch.perMonth,
      MINUTE_WINDOW_TTL_SECONDS,
      Math.floor(monthEnd / 1000) + 86_400,
      batch.callbacks.length,
    ] as const;
    this.run('evalsha', RATE_LIMIT_SCRIPT_SHA, args)
      .then(undefined, (error: unknown) => {
        if (!isNoScript(error)) throw error;
        return this.run('eval', SCRIPT, args);
      })
      .then(
        (counts) => RateLimiter.settle(batch, counts),
        (error: unknown) => RateLimiter.fail(batch, asError(error)),
      );
  }

  /**
   * Sends one EVALSHA / EVAL straight to the connection, past ioredis's auto-pipelining: the batch
   * already is this turn's one command, and an auto-pipeline costs a Pipeline object (a copy of
   * the client's command table), its promise and sets per turn, which outlived the two scavenges
   * that promote an object to the old space (V8 heap sampling; docs/gateway.md, Performance). Same
   * command, reply encoding, key prefix, timeout and offline behaviour as `redis.evalsha`.
   */
  private run(name: 'evalsha' | 'eval', script: string, args: readonly (string | number)[]): Promise<Counts> {
    const command = new Command(name, [script, 2, ...args], {
      replyEncoding: 'utf8',
      keyPrefix: this.keyPrefix,
    });
    void this.redis.sendCommand(command);
    return command.promise as Promise<Counts>;
  }

  /** The verdict of each request of the batch, in the order they asked. */
  private static settle(batch: Batch, counts: Counts): void {
    const [admitted, minuteBefore, monthBefore] = counts;
    const { perMinute, now, callbacks } = batch;
    const { minute, monthEnd } = batch.windows;
    const minuteReset = Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
    const minuteCount = minuteBefore + admitted;
    const monthCount = monthBefore + admitted;
    const exceeded = minuteCount >= perMinute ? 'minute' : 'month';
    const refusedReset =
      exceeded === 'minute' ? minuteReset : Math.max(1, Math.ceil((monthEnd - now) / 1000));
    let thrown: { error: unknown } | undefined;
    for (let i = 0; i < callbacks.length; i++) {
      const verdict: RateLimitVerdict =
        i < admitted
          ? {
              allowed: true,
              exceeded: null,
              minuteCount: minuteBefore + i + 1,
              monthCount: monthBefore + i + 1,
              resetSeconds: minuteReset,
            }
          : { allowed: false, exceeded, minuteCount, monthCount, resetSeconds: refusedReset };
      // One caller's failure must not keep the others of the batch waiting.
      try {
        callbacks[i]!(undefined, verdict);
      } catch (error) {
        thrown ??= { error };
      }
    }
    if (thrown) throw thrown.error;
  }

  private static fail(batch: Batch, error: Error): void {
    let thrown: { error: unknown } | undefined;
    for (const callback of batch.callbacks)
      try {
        callback(error, undefined);
      } catch (failure) {
        thrown ??= { error: failure };
      }
    if (thrown) throw thrown.error;
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
}
