import { LiquidationSignalStream, type LiquidationSignalMessage } from '@mdp/schemas';
import type { ActiveSignalRepository } from '@mdp/data-access-liquidation';
import type { Logger } from '@mdp/platform';
import type { StreamPublisher } from '@mdp/transport';
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
  /** Signals emitted and active keys written since start (the queue is FIFO: the written ones are a prefix). */
  private emitted = 0;
  private activated = 0;

  constructor(
    private readonly signals: ActiveSignalRepository,
    private readonly publisher: StreamPublisher,
    private readonly logger: Logger,
    private readonly ttlSeconds: number,
  ) {}

  /** Signals whose active key is not written yet, plus those the stream publisher still holds. */
  get buffered(): number {
    return this.queue.length + this.publisher.bufferedEvents;
  }

  emit(signal: LiquidationSignalMessage): void {
    this.emitted += 1;
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

  /**
   * Resolves true once every signal emitted so far is in Redis (active key and stream entry), false
   * if that takes longer than `deadlineMs` (a checkpoint then waits for the next round).
   */
  async written(deadlineMs = 5_000): Promise<boolean> {
    const upTo = this.emitted;
    const sent = [...this.published];
    const deadline = Date.now() + deadlineMs;
    while (this.activated < upTo) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    });
    const done = await Promise.race([Promise.all(sent).then(() => true), late]);
    clearTimeout(timer);
    return done;
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
        this.activated += batch.length;
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
