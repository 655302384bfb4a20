import type { LiquidationMessage } from '@mdp/schemas';
import type { StorageMode } from '@mdp/domain-liquidation';
import type { LiquidationStoreRepository } from '@mdp/data-access-liquidation';
import type { Logger } from '@mdp/platform';
import type { DetectorCounterBuffer } from './detector-counter.buffer';
import { retryBackoff } from './retry-backoff';

/** Full batches written concurrently when the buffer holds several (catching up after an outage, bursts). */
const MAX_BATCHES_IN_FLIGHT = 8;

export interface LiquidationBatchWriterOptions {
  /** Records per write (seed: 50). */
  batchSize: number;
  /** Longest a record waits for its batch to fill, ms (seed: 100). */
  batchTimeoutMs: number;
}

/**
 * The seed's batch buffer and batch processor: accepted liquidations are written `batchSize` at a
 * time as soon as that many are waiting, and whatever is left is written `batchTimeoutMs` after it
 * arrived. A write Redis refuses (OOM, connection loss) is retried with capped backoff, the records
 * staying in the buffer in order; in critical storage mode nothing is written until the mode
 * drops. Records leave the buffer only once Redis has them, so none is dropped; the caller bounds
 * the buffer (LOCAL_BUFFER_MAX_EVENTS) by holding the stream when it is full.
 */
export class LiquidationBatchWriter {
  private queue: LiquidationMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  private storageMode: StorageMode = 'normal';
  private dueAt = Number.POSITIVE_INFINITY;
  /** Records enqueued and records stored since start (the queue is FIFO, so stored ones are a prefix). */
  private enqueuedTotal = 0;
  private storedTotal = 0;
  private waiters: Array<{ upTo: number; resolve: () => void }> = [];

  constructor(
    private readonly store: LiquidationStoreRepository,
    private readonly counters: DetectorCounterBuffer,
    private readonly logger: Logger,
    private readonly options: LiquidationBatchWriterOptions,
  ) {}

  get buffered(): number {
    return this.queue.length;
  }

  get mode(): StorageMode {
    return this.storageMode;
  }

  /**
   * Resolves once every record enqueued so far is stored; those records are written now rather
   * than at their batch timeout. Resolves at once in critical mode, where records are held in
   * memory until the mode drops (the seed's circuit breaker).
   */
  stored(): Promise<void> {
    const upTo = this.enqueuedTotal;
    if (this.storedTotal >= upTo || this.storageMode === 'critical') return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push({ upTo, resolve });
      this.kick();
    });
  }

  /** Set by the memory guard; leaving critical mode writes what was held. */
  setMode(mode: StorageMode): void {
    const wasCritical = this.storageMode === 'critical';
    this.storageMode = mode;
    if (mode === 'critical') this.releaseWaiters(true);
    if (wasCritical && mode !== 'critical' && this.queue.length > 0) {
      this.dueAt = 0;
      this.kick();
    }
  }

  enqueue(liquidation: LiquidationMessage): void {
    if (this.storageMode === 'critical') this.counters.add('memory_rejections');
    this.queue.push(liquidation);
    this.enqueuedTotal += 1;
    if (this.queue.length >= this.options.batchSize) this.kick();
    else if (this.dueAt === Number.POSITIVE_INFINITY) {
      // First record of a new batch: due after the timeout (a timer left over from a batch that
      // was written by size is replaced, so this one is not waited for past its due time).
      this.dueAt = Date.now() + this.options.batchTimeoutMs;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, this.options.batchTimeoutMs);
    }
  }

  /** Writes everything buffered (ignoring critical mode: used at shutdown), retrying until `deadline`. */
  async drain(deadlineMs = 10_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    this.clearTimers();
    if (this.running) await this.running;
    while (this.queue.length > 0 && Date.now() < deadline) {
      if (!(await this.writeOne(true)))
        await new Promise((resolve) => setTimeout(resolve, retryBackoff(this.failures)));
    }
    if (this.queue.length > 0)
      this.logger.error(
        { unwritten: this.queue.length },
        'accepted liquidations not stored before shutdown (Redis refused)',
      );
    // Nothing more will be written: handlers waiting for their records let the consumer stop.
    this.releaseWaiters(true);
  }

  stop(): void {
    this.clearTimers();
  }

  private kick(): void {
    if (this.running || this.retryTimer) return;
    this.running = this.run().finally(() => {
      this.running = null;
      if (!this.retryTimer && this.queue.length >= this.options.batchSize && this.storageMode !== 'critical')
        this.kick();
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        this.dueAt = Number.POSITIVE_INFINITY;
        return;
      }
      const due =
        this.queue.length >= this.options.batchSize || Date.now() >= this.dueAt || this.waiters.length > 0;
      if (!due) {
        this.armTimer();
        return;
      }
      if (this.storageMode === 'critical') return; // held until the guard lowers the mode
      if (!(await this.writeOne(false))) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.kick();
        }, retryBackoff(this.failures));
        return;
      }
      if (this.queue.length > 0 && this.queue.length < this.options.batchSize) {
        // The rest arrived later than the batch just written: it waits for its own timeout.
        this.dueAt = Date.now() + this.options.batchTimeoutMs;
      }
    }
  }

  private armTimer(): void {
    if (this.timer) return;
    if (!Number.isFinite(this.dueAt)) this.dueAt = Date.now() + this.options.batchTimeoutMs;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.kick();
      },
      Math.max(0, this.dueAt - Date.now()),
    );
  }

  /**
   * Writes the first batch, or up to MAX_BATCHES_IN_FLIGHT full batches at once when more are
   * waiting (sent together on the connection); true when Redis took them all. A partial failure
   * keeps every one of them: rewriting a stored liquidation changes nothing (ZADD NX).
   */
  private async writeOne(force: boolean): Promise<boolean> {
    const { batchSize } = this.options;
    const count = Math.max(1, Math.min(MAX_BATCHES_IN_FLIGHT, Math.floor(this.queue.length / batchSize)));
    const batches = Array.from({ length: count }, (_, i) =>
      this.queue.slice(i * batchSize, (i + 1) * batchSize),
    ).filter((batch) => batch.length > 0);
    const taken = batches.reduce((sum, batch) => sum + batch.length, 0);
    const mode = force && this.storageMode === 'critical' ? 'reduced' : this.storageMode;
    // `stored` is counted when a liquidation is accepted (with its partition's checkpoint), not here:
    // after a crash the store (ZADD NX) cannot tell a redone record from a new one.
    const results = await Promise.allSettled(batches.map((batch) => this.store.storeBatch(batch, mode)));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (!failure) {
      this.queue.splice(0, taken);
      this.storedTotal += taken;
      this.releaseWaiters(false);
      if (this.failures > 0)
        this.logger.info(
          { after: this.failures, buffered: this.queue.length },
          'liquidation storage recovered',
        );
      this.failures = 0;
      return true;
    }
    this.failures += 1;
    const message = failure.reason instanceof Error ? failure.reason.message : String(failure.reason);
    if (message.startsWith('OOM')) this.counters.add('memory_rejections', taken);
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.logger.warn(
        { error: message, buffered: this.queue.length, failures: this.failures },
        'accepted liquidations not stored; kept and retried',
      );
    }
    return false;
  }

  private releaseWaiters(all: boolean): void {
    if (this.waiters.length === 0) return;
    const waiting: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (all || waiter.upTo <= this.storedTotal) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = null;
    this.retryTimer = null;
  }
}
