import type { Logger, RedisClient } from '@mdp/platform';
import { compareStreamIds, nextStreamId } from './stream-id';
import { errorText } from './transport-errors';

const MAX_SCAN = 10_000;

/**
 * Keeps streams within `maxLen` entries without deleting what a consumer group still needs:
 * it trims (XTRIM MINID) up to the older of "the newest maxLen entries" and "the oldest entry any
 * group has pending or not yet read". When consumers lag, the stream grows past its bound rather
 * than lose data, and the trimmer logs how far over it is.
 */
export class StreamTrimmer {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: { maxLen: number; logger?: Logger | undefined },
  ) {}

  start(streams: string[], intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      void Promise.all(
        streams.map((stream) => this.trim(stream).catch((error: unknown) => this.fail(stream, error))),
      ).finally(() => {
        this.running = false;
      });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Trims one stream once; returns how many entries were removed. */
  async trim(stream: string): Promise<number> {
    const length = await this.redis.xlen(stream);
    const excess = length - this.options.maxLen;
    if (excess <= 0) return 0;
    const safe = await this.oldestNeeded(stream);
    const window = (await this.redis.xrange(
      stream,
      '-',
      '+',
      'COUNT',
      Math.min(excess, MAX_SCAN) + 1,
    )) as Array<[string, string[]]>;
    if (window.length === 0) return 0;
    let minId = window[window.length - 1]![0];
    if (safe !== null && compareStreamIds(safe, minId) < 0) minId = safe;
    const removed = Number(await this.redis.xtrim(stream, 'MINID', minId));
    const over = length - removed - this.options.maxLen;
    if (over > 0 && safe !== null && compareStreamIds(safe, minId) === 0) {
      this.options.logger?.warn(
        { stream, over, oldestNeeded: safe },
        'stream over its bound: consumers have not acknowledged older entries',
      );
    }
    return removed;
  }

  /** The oldest id some group still needs (pending, or not yet delivered), or null when no group exists. */
  private async oldestNeeded(stream: string): Promise<string | null> {
    const groups = (await this.redis.xinfo('GROUPS', stream)) as unknown[][];
    let oldest: string | null = null;
    for (const raw of groups) {
      const info = toRecord(raw);
      const name = String(info['name']);
      let needed: string;
      if (Number(info['pending']) > 0) {
        const summary = (await this.redis.xpending(stream, name)) as [number, string, string, unknown];
        needed = summary[1];
      } else {
        needed = nextStreamId(String(info['last-delivered-id']));
      }
      if (oldest === null || compareStreamIds(needed, oldest) < 0) oldest = needed;
    }
    return oldest;
  }

  private fail(stream: string, error: unknown): void {
    this.options.logger?.warn({ stream, error: errorText(error) }, 'stream trim failed');
  }
}

function toRecord(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1];
  return record;
}
