import { answerCacheMetrics, answerReads, type AnswerArea } from './answer-cache.metrics';

export type { AnswerArea };

export interface AnswerCacheOptions {
  /** Longest an answer is kept (ms): the bound on how stale a kept answer can be; 0 = keep nothing. */
  ttlMs: number;
  maxEntries: number;
  /** Bytes of answer bodies kept at most (an answer larger than this is not kept). */
  maxBytes: number;
  /**
   * The remaining lifetime in Redis of a key (ms, Redis PTTL: -1 none, -2 gone), asked beside each
   * load, so a kept answer never outlives its key.
   */
  remainingMs: (key: string) => Promise<number>;
  clock?: () => number;
}

interface Entry {
  body: Buffer;
  expiresAt: number;
}

/**
 * Hot answers kept in the process for a short time: the exact bytes a Redis key held, as a ready
 * Buffer, so a hit costs neither a Redis round trip nor any JSON work. Keyed by the Redis key the
 * answer was read from. An answer is dropped when its key is announced as written or deleted
 * (`invalidate`, `invalidatePrefix`, `clear`: the gateway wires the system's announcements to
 * these), when `ttlMs` has passed (the bound when an announcement is missed), or when its key
 * expires in Redis, whichever comes first. Bounded by entries and bytes; the oldest go first.
 *
 * A load that started before an invalidation is answered but not kept (a generation counter), so a
 * value read just before a write cannot be kept after the write's announcement. Concurrent misses
 * of one key share one load.
 */
export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Buffer | null>>();
  private readonly clock: () => number;
  private generation = 0;
  private bytes = 0;

  constructor(private readonly options: AnswerCacheOptions) {
    this.clock = options.clock ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** The kept answer of `key`, or undefined (a miss: the caller loads it through `load`). */
  lookup(key: string, area: AnswerArea): Buffer | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (entry.expiresAt > this.clock()) {
        answerReads[area].hit++;
        return entry.body;
      }
      this.remove(key, entry);
    }
    answerReads[area].miss++;
    return undefined;
  }

  /**
   * Reads the answer of `key` through `read` (the bytes of the key from Redis, or null when there is
   * none) and keeps it unless an invalidation came meanwhile. Misses of one key share one read.
   */
  load(key: string, read: () => Promise<Buffer | string | null>): Promise<Buffer | null> {
    if (!this.enabled) return read().then((body) => (typeof body === 'string' ? Buffer.from(body) : body));
    const running = this.loading.get(key);
    if (running !== undefined) return running;
    const promise = this.readAndKeep(key, read).finally(() => {
      if (this.loading.get(key) === promise) this.loading.delete(key);
    });
    this.loading.set(key, promise);
    return promise;
  }

  /** Drops the answer of `key` (written or deleted). */
  invalidate(key: string): void {
    this.generation += 1;
    this.loading.delete(key);
    const entry = this.entries.get(key);
    if (entry !== undefined) this.remove(key, entry);
    answerCacheMetrics.invalidations.inc({ kind: 'key' });
  }

  /** Drops the answers of every key starting with `prefix`. */
  invalidatePrefix(prefix: string): void {
    this.generation += 1;
    for (const key of this.loading.keys()) if (key.startsWith(prefix)) this.loading.delete(key);
    for (const [key, entry] of this.entries) if (key.startsWith(prefix)) this.remove(key, entry);
    answerCacheMetrics.invalidations.inc({ kind: 'prefix' });
  }

  /** Drops everything (an announcement source was interrupted: what it said meanwhile is unknown). */
  clear(): void {
    this.generation += 1;
    this.loading.clear();
    this.entries.clear();
    this.bytes = 0;
    answerCacheMetrics.entries.set(0);
    answerCacheMetrics.bytes.set(0);
    answerCacheMetrics.invalidations.inc({ kind: 'all' });
  }

  private async readAndKeep(
    key: string,
    read: () => Promise<Buffer | string | null>,
  ): Promise<Buffer | null> {
    const generation = this.generation;
    const startedAt = this.clock();
    const [value, remainingMs] = await Promise.all([read(), this.options.remainingMs(key)]);
    if (value === null) return null;
    const body = typeof value === 'string' ? Buffer.from(value) : value;
    // -2: the key was not in Redis when asked (the answer was built elsewhere, e.g. the warm store).
    if (generation !== this.generation || remainingMs === -2) return body;
    const lifetime = remainingMs >= 0 ? Math.min(this.options.ttlMs, remainingMs) : this.options.ttlMs;
    this.keep(key, body, startedAt + lifetime);
    return body;
  }

  private keep(key: string, body: Buffer, expiresAt: number): void {
    if (body.length > this.options.maxBytes || expiresAt <= this.clock()) return;
    const previous = this.entries.get(key);
    if (previous !== undefined) this.remove(key, previous);
    // The oldest go first (insertion order); expired ones are dropped on the way.
    for (const [oldKey, oldEntry] of this.entries) {
      if (this.entries.size < this.options.maxEntries && this.bytes + body.length <= this.options.maxBytes)
        break;
      this.remove(oldKey, oldEntry);
      answerCacheMetrics.evictions.inc();
    }
    // A copy of its own: a reply Buffer may be a slice of a larger socket chunk it would keep alive.
    const own = Buffer.allocUnsafeSlow(body.length);
    body.copy(own);
    this.entries.set(key, { body: own, expiresAt });
    this.bytes += own.length;
    answerCacheMetrics.entries.set(this.entries.size);
    answerCacheMetrics.bytes.set(this.bytes);
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.body.length;
    answerCacheMetrics.entries.set(this.entries.size);
    answerCacheMetrics.bytes.set(this.bytes);
  }
}
