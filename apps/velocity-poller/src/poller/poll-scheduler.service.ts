import type { Logger, RedisClient } from '@mdp/platform';
import type { TokenStoreRepository } from '@mdp/data-access-tokens';
import type { VelocityHistory } from '@mdp/domain-velocity';
import type { CacheWarmerService } from './cache-warmer.service';
import type { PollCycleService } from './poll-cycle.service';

export interface PollSchedulerOptions {
  intervalMs: number;
  warmTokens: number;
  rebuildTokens: number;
}

/**
 * Runs the poll every `intervalMs`, never two at once: the next poll is scheduled when the current one
 * ends (at its due time, or at once when the poll overran). A failed poll is logged and the schedule
 * goes on. At start it loads the velocity history from the warm store and warms the caches; when
 * Redis comes back after an outage (or a cache write failed) it rebuilds the caches from the warm store.
 */
export class PollSchedulerService {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = false;
  private rebuilding: Promise<void> | null = null;
  private readonly onReady = () => {
    // A poll in progress writes the caches itself; the next tick rebuilds before polling.
    if (!this.current) void this.rebuildIfNeeded();
  };
  private readonly onRedisError = () => {
    this.poll.cachesNeedRebuild = true;
  };
  /** Polls started, for tests and health. */
  pollsStarted = 0;

  constructor(
    private readonly poll: PollCycleService,
    private readonly warmer: CacheWarmerService,
    private readonly store: TokenStoreRepository,
    private readonly history: VelocityHistory,
    private readonly redis: RedisClient,
    private readonly options: PollSchedulerOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    try {
      const loaded = await this.store.loadHistory(this.history, Date.now());
      this.logger.info(
        { ...loaded, tokens: this.history.size },
        'velocity history loaded from the warm store',
      );
    } catch (error) {
      this.logger.warn(
        { error: errorText(error) },
        'could not load the velocity history (database down?); starting without it',
      );
    }
    try {
      await this.warmer.warm(this.options.warmTokens, 'start');
    } catch (error) {
      this.poll.cachesNeedRebuild = true;
      this.logger.warn(
        { error: errorText(error) },
        'cache warming failed; caches are rebuilt when Redis and the database answer',
      );
    }
    this.redis.on('ready', this.onReady);
    this.redis.on('error', this.onRedisError);
    this.schedule(0);
  }

  /** Stops scheduling and waits for a running poll to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.redis.off('ready', this.onReady);
    this.redis.off('error', this.onRedisError);
    await this.current?.catch(() => undefined);
    await this.rebuilding?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    const started = Date.now();
    this.pollsStarted += 1;
    const run = (async () => {
      await this.rebuildIfNeeded();
      await this.poll.poll();
    })();
    this.current = run;
    try {
      await run;
    } catch (error) {
      this.logger.error({ error: errorText(error) }, 'poll crashed');
    } finally {
      this.current = null;
    }
    this.schedule(Math.max(0, started + this.options.intervalMs - Date.now()));
  }

  private rebuildIfNeeded(): Promise<void> {
    if (!this.poll.cachesNeedRebuild || this.stopped || this.redis.status !== 'ready')
      return Promise.resolve();
    if (this.rebuilding) return this.rebuilding;
    this.rebuilding = (async () => {
      try {
        this.poll.cachesNeedRebuild = false;
        await this.warmer.warm(this.options.rebuildTokens, 'redis-recovered');
      } catch (error) {
        this.poll.cachesNeedRebuild = true;
        this.logger.warn({ error: errorText(error) }, 'cache rebuild failed; retried on the next poll');
      } finally {
        this.rebuilding = null;
      }
    })();
    return this.rebuilding;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
