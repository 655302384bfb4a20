import { LiquidationSignalStream, type LiquidationSignalMessage } from '@mdp/schemas';
import type { ActiveSignalRepository } from '@mdp/data-access-liquidation';
import type { Logger } from '@mdp/platform';
import type { StreamPublisher } from '@mdp/transport';
import type { DetectorCounterBuffer } from '../storage/detector-counter.buffer';
import { retryBackoff } from '../storage/retry-backoff';

/**
 * Sends each signal three ways: `signal:active:<SYMBOL>` with its TTL, a pub/sub announcement on
 * `signal:updates:<SYMBOL>`, and the signals stream. The stream publisher keeps and retries what
 * Redis refuses by itself; the active key and the announcement are kept here, in order, and
 * retried with capped backoff until Redis takes them. Storage modes never hold signals back.
 */
export class SignalEmitter {
  private queue: LiquidationSignalMessage[] = [];
  private running: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private readonly published = new Set<Promise<unknown>>();

  constructor(
    private readonly signals: ActiveSignalRepository,
    private readonly publisher: StreamPublisher,
    private readonly counters: DetectorCounterBuffer,
    private readonly logger: Logger,
    private readonly ttlSeconds: number,
  ) {}

  /** Signals whose active key is not written yet, plus those the stream publisher still holds. */
  get buffered(): number {
    return this.queue.length + this.publisher.bufferedEvents;
  }

  emit(signal: LiquidationSignalMessage): void {
    this.counters.add('signals');
    const sent = this.publisher.publish(LiquidationSignalStream, signal).catch((error: unknown) => {
      this.logger.error(
        { error: error instanceof Error ? error.message : String(error), signalId: signal.signalId },
        'signal not published to the stream',
      );
    });
    this.published.add(sent);
    void sent.finally(() => this.published.delete(sent));
    this.queue.push(signal);
    this.kick();
  }

  /** Waits until every signal is in Redis (active key and stream), retrying until `deadlineMs`. */
  async drain(deadlineMs = 10_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while ((this.queue.length > 0 || this.running || this.retryTimer) && Date.now() < deadline) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.race([
      Promise.all([...this.published]),
      new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref()),
    ]);
    if (this.queue.length > 0)
      this.logger.error(
        { unwritten: this.queue.length },
        'active signals not written before shutdown (Redis refused)',
      );
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private kick(): void {
    if (this.running || this.retryTimer) return;
    this.running = this.run().finally(() => {
      this.running = null;
    });
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      // Latest signal per symbol wins the active key; all are announced, in order.
      const batch = this.queue.slice(0, 100);
      try {
        await Promise.all(batch.map((signal) => this.signals.activate(signal, this.ttlSeconds)));
        this.queue.splice(0, batch.length);
        if (this.failures > 0) this.logger.info({ after: this.failures }, 'active signals written again');
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.logger.warn(
            { error: error instanceof Error ? error.message : String(error), buffered: this.queue.length },
            'active signal not written; kept and retried',
          );
        }
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.kick();
        }, retryBackoff(this.failures));
        return;
      }
    }
  }
}
