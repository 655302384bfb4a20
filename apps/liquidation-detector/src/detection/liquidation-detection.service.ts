import { LiquidationDetector, type LiquidationOutcome } from '@mdp/domain-liquidation';
import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import { TransientError } from '@mdp/transport';
import { DetectorShard } from '../detector-shard';
import type { DetectorCounterBuffer } from '../storage/detector-counter.buffer';
import type { LiquidationBatchWriter } from '../storage/liquidation-batch.writer';
import type { SignalEmitter } from '../signals/signal.emitter';

/**
 * The seed's process_liquidation over a batch: counts, filters (minimum size, percentile), hands
 * accepted liquidations to the batch writer and signals to the emitter. When the local buffers
 * (liquidations and signals waiting for Redis) would pass LOCAL_BUFFER_MAX_EVENTS, the batch is
 * refused with a TransientError before anything in it is applied: the transport holds the stream
 * and redelivers it later, so nothing is dropped and nothing is counted twice.
 *
 * With several shards every replica reads every event; events of symbols another shard owns are
 * skipped before anything (counters included) sees them, and counted in `otherShard`.
 */
export class LiquidationDetectionService {
  /** Events skipped since start because another shard owns their symbol. */
  readonly otherShard = { liquidations: 0, trades: 0 };

  constructor(
    readonly detector: LiquidationDetector,
    private readonly writer: LiquidationBatchWriter,
    private readonly emitter: SignalEmitter,
    private readonly counters: DetectorCounterBuffer,
    private readonly localBufferMax: number,
    private readonly ackAfterStore = true,
    readonly shard = new DetectorShard(),
  ) {}

  /**
   * Resolves once the liquidations accepted so far are stored (ackAfterStore): the handler awaits
   * it, so the transport acknowledges a batch only after its accepted liquidations are in Redis
   * and a crash (kill -9) loses none. In critical storage mode they are held in memory instead.
   */
  stored(): Promise<void> {
    return this.ackAfterStore ? this.writer.stored() : Promise.resolve();
  }

  get buffered(): number {
    return this.writer.buffered + this.emitter.buffered;
  }

  onTrades(trades: readonly TradeMessage[]): void {
    for (const trade of trades) {
      if (this.shard.owns(trade.symbol)) this.detector.onTrade(trade);
      else this.otherShard.trades += 1;
    }
  }

  onLiquidations(all: readonly LiquidationMessage[]): LiquidationOutcome[] {
    const batch = this.shard.count === 1 ? all : all.filter((event) => this.shard.owns(event.symbol));
    if (this.buffered + batch.length > this.localBufferMax) {
      throw new TransientError(
        `local buffer full (${this.buffered} of ${this.localBufferMax} waiting for Redis)`,
      );
    }
    const outcomes: LiquidationOutcome[] = [];
    for (const liquidation of batch) {
      const outcome = this.detector.onLiquidation(liquidation);
      this.counters.add('processed');
      if (outcome.kind === 'filtered') {
        this.counters.add('filtered');
      } else {
        this.writer.enqueue(liquidation);
        if (outcome.signal) this.emitter.emit(outcome.signal);
      }
      outcomes.push(outcome);
    }
    this.otherShard.liquidations += all.length - batch.length;
    return outcomes;
  }
}
