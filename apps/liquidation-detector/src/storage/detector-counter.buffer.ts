import type {
  DetectorCounter,
  DetectorCounters,
  DetectorStateRepository,
} from '@mdp/data-access-liquidation';
import type { Logger } from '@mdp/platform';

/**
 * The seed's stats dict: counted in memory on the hot path, added to the Redis hash every
 * COUNTERS_FLUSH_MS. Deltas that could not be written are kept and added next time.
 * `processed`, `filtered`, `stored` and `signals` are counts of the events a partition's state holds: they
 * reach Redis with the partition's checkpoint (DetectorPartitionRepository.commit), so a replayed
 * event is never counted twice; here they only enter the process totals (`tally`).
 */
export class DetectorCounterBuffer {
  /** Totals since start (this process). */
  readonly totals: DetectorCounters = {
    processed: 0,
    filtered: 0,
    stored: 0,
    memory_rejections: 0,
    signals: 0,
  };
  private pending: DetectorCounters = {
    processed: 0,
    filtered: 0,
    stored: 0,
    memory_rejections: 0,
    signals: 0,
  };
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly state: DetectorStateRepository,
    private readonly logger: Logger,
    private readonly flushMs: number,
  ) {}

  add(name: DetectorCounter, delta = 1): void {
    this.totals[name] += delta;
    this.pending[name] += delta;
  }

  /** Counts in the process totals only (the Redis hash gets it with the partition's checkpoint). */
  tally(name: DetectorCounter): void {
    this.totals[name] += 1;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Adds the pending deltas to Redis; on failure they stay pending. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const deltas = this.pending;
    if (!Object.values(deltas).some((value) => value !== 0)) return;
    this.pending = { processed: 0, filtered: 0, stored: 0, memory_rejections: 0, signals: 0 };
    try {
      await this.state.addCounters(deltas);
    } catch (error) {
      for (const [name, value] of Object.entries(deltas) as Array<[DetectorCounter, number]>)
        this.pending[name] += value;
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'counters not written yet; kept for the next flush',
      );
    }
  }
}
