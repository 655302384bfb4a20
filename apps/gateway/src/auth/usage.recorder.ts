import type { DataSource } from 'typeorm';
import type { Logger } from '@mdp/platform';

const HOUR_MS = 3_600_000;
/** Distinct (key, hour) pairs held while the database is down; past this the oldest counts are merged away. */
const MAX_PENDING = 100_000;

interface Pending {
  apiKeyId: number;
  hourStart: number;
  count: number;
  lastUsedAt: number;
}

/**
 * Usage of each API key, counted in memory per request and written every `intervalMs` in two
 * statements: `api_keys.usage_count` / `last_used_at`, and one `rate_limiting` row per key and hour
 * (seed 003), added to by every replica. A failed write keeps the counts for the next attempt.
 */
export class UsageRecorder {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  record(apiKeyId: number, now = Date.now()): void {
    const hourStart = now - (now % HOUR_MS);
    const id = `${apiKeyId}:${hourStart}`;
    const entry = this.pending.get(id);
    if (entry) {
      entry.count++;
      entry.lastUsedAt = now;
    } else if (this.pending.size < MAX_PENDING) {
      this.pending.set(id, { apiKeyId, hourStart, count: 1, lastUsedAt: now });
    }
  }

  /** Writes what is pending; concurrent calls share one write. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const entries = [...batch.values()];
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE api_keys AS k
              SET usage_count = k.usage_count + u.count,
                  last_used_at = GREATEST(COALESCE(k.last_used_at, u.last_used_at), u.last_used_at)
             FROM (SELECT id, sum(count)::int AS count, max(last_used_at) AS last_used_at
                     FROM unnest($1::int[], $2::int[], $3::timestamptz[]) AS t(id, count, last_used_at)
                    GROUP BY id) AS u
            WHERE k.id = u.id`,
          [
            entries.map((e) => e.apiKeyId),
            entries.map((e) => e.count),
            entries.map((e) => new Date(e.lastUsedAt)),
          ],
        );
        await manager.query(
          `INSERT INTO rate_limiting (api_key_id, window_start, request_count)
           SELECT id, window_start, count FROM unnest($1::int[], $2::timestamptz[], $3::int[]) AS t(id, window_start, count)
            WHERE EXISTS (SELECT 1 FROM api_keys WHERE api_keys.id = t.id)
           ON CONFLICT (api_key_id, window_start)
           DO UPDATE SET request_count = rate_limiting.request_count + EXCLUDED.request_count`,
          [
            entries.map((e) => e.apiKeyId),
            entries.map((e) => new Date(e.hourStart)),
            entries.map((e) => e.count),
          ],
        );
      });
    } catch (error) {
      for (const [id, entry] of batch) {
        const newer = this.pending.get(id);
        if (newer) {
          newer.count += entry.count;
          newer.lastUsedAt = Math.max(newer.lastUsedAt, entry.lastUsedAt);
        } else if (this.pending.size < MAX_PENDING) this.pending.set(id, entry);
      }
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error), pending: this.pending.size },
        'could not write API key usage; kept for the next attempt',
      );
    }
  }
}
