import type { DetectorSymbolState, LiquidationDetector, LiquidationOutcome } from '@mdp/domain-liquidation';
import { LiquidationStream, TradeStream, type LiquidationMessage, type TradeMessage } from '@mdp/schemas';
import {
  EntryCursor,
  TransientError,
  compareStreamIds,
  type DeliveredEntries,
  coveredBy,
  latestStreamId,
  recordDelivered,
  type AdoptedPartition,
  type CapturedPartition,
  type PartitionedState,
  type StreamPositions,
  type StreamRangeReader,
} from '@mdp/transport';
import { DetectorPartitions } from '../partitions/detector-partitions';
import type { DetectorCounterBuffer } from '../storage/detector-counter.buffer';
import type { LiquidationBatchWriter } from '../storage/liquidation-batch.writer';
import type { SignalEmitter } from '../signals/signal.emitter';

/** Version of the detector's checkpoint layout; a checkpoint of another version is refused, never guessed at. */
export const DETECTOR_CHECKPOINT_VERSION = 1;

/** The detector's part of a partition checkpoint: the state of each of the partition's symbols. */
export interface DetectorCheckpointBody {
  symbols: DetectorSymbolState[];
}

/** Counts of a partition's events since its last checkpoint, added to the counters hash with it. */
export interface PartitionCounterDeltas {
  processed: number;
  filtered: number;
  /** Accepted liquidations handed to the store (each stored once: ZADD NX). */
  stored: number;
  signals: number;
}

/** A partition this replica holds: its events are applied here. */
interface HeldPartition {
  readonly index: number;
  /** Per stream: events of entries up to this id are in the state already (restored or caught up); skipped when redelivered. */
  readonly skipUpTo: Map<string, string>;
  deltas: PartitionCounterDeltas;
  changed: boolean;
}

const noDeltas = (): PartitionCounterDeltas => ({ processed: 0, filtered: 0, stored: 0, signals: 0 });

/**
 * The seed's process_liquidation over a batch: counts, filters (minimum size, percentile), hands
 * accepted liquidations to the batch writer and signals to the emitter. When the local buffers
 * (liquidations and signals waiting for Redis) would pass LOCAL_BUFFER_MAX_EVENTS, the batch is
 * refused with a TransientError before anything in it is applied: the transport holds the stream
 * and redelivers it later, so nothing is dropped and nothing is counted twice.
 *
 * Partitions: every replica reads every event; only the events of the partitions this replica
 * holds are applied (the others are counted in `otherPartition`). For each held partition it
 * knows which entries its state covers, so that a checkpoint names exact stream positions and a
 * taken-over partition skips what its checkpoint covers (docs/liquidation-detector.md, Scaling).
 * State, counts and the entry ids to acknowledge change together in one synchronous step.
 */
export class LiquidationDetectionService implements PartitionedState<DetectorCheckpointBody> {
  /** Events skipped since start because their partition is not held here. */
  readonly otherPartition = { liquidations: 0, trades: 0 };
  /** Per stream, the last entry id handled here (the replica's read position). */
  readonly lastSeen = new Map<string, string>();
  private readonly held: Array<HeldPartition | undefined>;
  /** Per stream, ids of entries handled and not acknowledged yet (a checkpoint covers them first). */
  private unacked = new Map<string, string[]>();
  /** Set while taken-over partitions catch up: handlers wait for it (`idle()`). */
  catchingUp: Promise<void> | null = null;
  /** False until the replica joined and took its first partitions: handlers wait for it (`idle()`). */
  joined = false;
  private markJoinedNow: () => void = () => undefined;
  private readonly joinedSignal = new Promise<void>((resolve) => {
    this.markJoinedNow = resolve;
  });

  constructor(
    readonly detector: LiquidationDetector,
    private readonly writer: LiquidationBatchWriter,
    private readonly emitter: SignalEmitter,
    private readonly counters: DetectorCounterBuffer,
    private readonly localBufferMax: number,
    private readonly ackAfterStore = true,
    readonly partitions = new DetectorPartitions(),
  ) {
    this.held = new Array<HeldPartition | undefined>(partitions.count);
  }

  /**
   * Resolves once the liquidations accepted so far are stored (ackAfterStore): the handler awaits
   * it, so accepted liquidations reach Redis at the end of their batch rather than at the batch
   * timeout. In critical storage mode they are held in memory instead.
   */
  stored(): Promise<void> {
    return this.ackAfterStore ? this.writer.stored() : Promise.resolve();
  }

  get buffered(): number {
    return this.writer.buffered + this.emitter.buffered;
  }

  /** Partitions held here, ascending. */
  heldPartitions(): number[] {
    const list: number[] = [];
    for (let i = 0; i < this.held.length; i++) if (this.held[i]) list.push(i);
    return list;
  }

  /** Resolves when the replica has joined and no catch-up is running (handlers apply nothing before). */
  async idle(): Promise<void> {
    if (!this.joined) await this.joinedSignal;
    while (this.catchingUp) await this.catchingUp;
  }

  /** Called once the replica joined and took its first partitions (PartitionCoordinator.join). */
  markJoined(): void {
    this.joined = true;
    this.markJoinedNow();
  }

  onTrades(trades: readonly TradeMessage[], entries?: DeliveredEntries): void {
    const stream = entries?.stream ?? '';
    const cursor = new EntryCursor(entries);
    for (const trade of trades) {
      const id = cursor.next();
      const part = this.held[this.partitions.partitionOf(trade.symbol)];
      if (part === undefined) {
        this.otherPartition.trades += 1;
        continue;
      }
      if (part.skipUpTo.size > 0 && coveredBy(part.skipUpTo, stream, id)) continue;
      this.detector.onTrade(trade);
      part.changed = true;
    }
    if (entries) this.handled(entries);
  }

  onLiquidations(all: readonly LiquidationMessage[], entries?: DeliveredEntries): LiquidationOutcome[] {
    if (this.buffered + all.length > this.localBufferMax) {
      throw new TransientError(
        `local buffer full (${this.buffered} of ${this.localBufferMax} waiting for Redis)`,
      );
    }
    const stream = entries?.stream ?? '';
    const outcomes: LiquidationOutcome[] = [];
    const cursor = new EntryCursor(entries);
    for (const liquidation of all) {
      const id = cursor.next();
      const part = this.held[this.partitions.partitionOf(liquidation.symbol)];
      if (part === undefined) {
        this.otherPartition.liquidations += 1;
        continue;
      }
      if (part.skipUpTo.size > 0 && coveredBy(part.skipUpTo, stream, id)) continue;
      outcomes.push(this.apply(liquidation, part));
    }
    if (entries) this.handled(entries);
    return outcomes;
  }

  /**
   * Takes over partitions: restores their state from their checkpoints, then (handlers waiting)
   * applies the events of entries this replica has already read past their checkpoint positions,
   * read with `readRange` (from the stream, after the position, up to and including the replica's
   * own position). From then on a redelivered entry the state covers is skipped.
   */
  async adopt(
    adopted: ReadonlyArray<AdoptedPartition<DetectorCheckpointBody>>,
    readRange: StreamRangeReader,
  ): Promise<void> {
    const streams = { trades: TradeStream.stream, liquidations: LiquidationStream.stream };
    if (adopted.length === 0) return;
    while (this.catchingUp) await this.catchingUp;
    const run = (async () => {
      const taking = new Map<number, AdoptedPartition<DetectorCheckpointBody>>();
      for (const partition of adopted) {
        for (const state of partition.checkpoint?.symbols ?? []) this.detector.restoreSymbol(state);
        taking.set(partition.partition, partition);
      }
      const parts = new Map<number, HeldPartition>();
      for (const partition of adopted)
        parts.set(partition.partition, {
          index: partition.partition,
          skipUpTo: new Map(),
          deltas: noDeltas(),
          changed: false,
        });
      // Trades first, so the liquidations of the gap are judged against its trades' VWAP.
      for (const stream of [streams.trades, streams.liquidations]) {
        const upTo = this.lastSeen.get(stream);
        if (upTo === undefined) continue;
        let after: string | null = null;
        for (const partition of adopted) {
          const position = partition.positions[stream];
          if (position === undefined) {
            after = null;
            break;
          }
          if (after === null || compareStreamIds(position, after) < 0) after = position;
        }
        if (after !== null && compareStreamIds(after, upTo) >= 0) continue;
        for (const [id, entryEvents] of await readRange(stream, after, upTo)) {
          const events = entryEvents as Array<TradeMessage | LiquidationMessage>;
          for (const event of events) {
            const partition = this.partitions.partitionOf(event.symbol);
            const adoptedPartition = taking.get(partition);
            if (!adoptedPartition) continue;
            const position = adoptedPartition.positions[stream];
            if (position !== undefined && compareStreamIds(id, position) <= 0) continue;
            const part = parts.get(partition)!;
            if (stream === streams.trades) {
              this.detector.onTrade(event as TradeMessage);
              part.changed = true;
            } else {
              this.apply(event as LiquidationMessage, part);
            }
          }
        }
      }
      for (const partition of adopted) {
        const skip = new Map<string, string>();
        for (const stream of [streams.trades, streams.liquidations]) {
          const position = latestStreamId(partition.positions[stream], this.lastSeen.get(stream));
          if (position !== undefined) skip.set(stream, position);
        }
        const part = parts.get(partition.partition)!;
        this.hold(partition.partition, skip, part);
      }
    })();
    this.catchingUp = run;
    try {
      await run;
    } finally {
      if (this.catchingUp === run) this.catchingUp = null;
    }
  }

  /**
   * Captures (synchronously) the state of the held partitions that changed, and of those in
   * `release`, which stop being held here; together with the counts since their last capture and
   * the ids of the entries handled so far (to acknowledge once the capture is written).
   */
  capture(release: ReadonlySet<number>): { partitions: CapturedPartition[]; unacked: Map<string, string[]> } {
    const captured: CapturedPartition[] = [];
    const symbolsOf = this.symbolsByPartition();
    for (let index = 0; index < this.held.length; index++) {
      const part = this.held[index];
      if (!part) continue;
      const releasing = release.has(index);
      if (!part.changed && !releasing) continue;
      const symbols = symbolsOf.get(index) ?? [];
      const positions: StreamPositions = {};
      for (const [stream, seen] of this.lastSeen) {
        const position = latestStreamId(part.skipUpTo.get(stream), seen);
        if (position !== undefined) positions[stream] = position;
      }
      for (const [stream, position] of part.skipUpTo) positions[stream] ??= position;
      const body: DetectorCheckpointBody = {
        symbols: symbols.map((symbol) => this.detector.symbolState(symbol)),
      };
      captured.push({
        partition: index,
        positions,
        body,
        counts: { ...part.deltas },
        changed: part.changed,
        release: releasing,
      });
      part.deltas = noDeltas();
      part.changed = false;
      if (releasing) this.drop(index, symbols);
    }
    const unacked = this.unacked;
    this.unacked = new Map();
    return { partitions: captured, unacked };
  }

  /** A capture that could not be written: its counts and ids wait for the next one (released partitions are gone: their lease expires). */
  restoreCapture(captured: readonly CapturedPartition[], unacked: Map<string, string[]>): void {
    for (const partition of captured) {
      const part = this.held[partition.partition];
      if (!part) continue;
      const counts = partition.counts ?? {};
      part.deltas.processed += counts['processed'] ?? 0;
      part.deltas.filtered += counts['filtered'] ?? 0;
      part.deltas.stored += counts['stored'] ?? 0;
      part.deltas.signals += counts['signals'] ?? 0;
      part.changed = true;
    }
    this.requeueAcks(unacked);
  }

  /** Resolves true once the accepted liquidations and the signals handed on so far are in Redis (false: not within `deadlineMs`). */
  async outputsWritten(deadlineMs: number): Promise<boolean> {
    const [stored, signalled] = await Promise.all([
      withDeadline(this.writer.stored(), deadlineMs),
      this.emitter.written(deadlineMs),
    ]);
    return stored && signalled;
  }

  /** Ids whose acknowledgement failed: acknowledged after the next checkpoint. */
  requeueAcks(unacked: Map<string, string[]>): void {
    for (const [stream, ids] of unacked) {
      const later = this.unacked.get(stream) ?? [];
      this.unacked.set(stream, ids.concat(later));
    }
  }

  /** Gives up partitions without a checkpoint (their lease was lost: another replica has them). */
  lose(partitions: readonly number[]): void {
    if (partitions.length === 0) return;
    const symbolsOf = this.symbolsByPartition();
    for (const index of partitions) if (this.held[index]) this.drop(index, symbolsOf.get(index) ?? []);
  }

  private apply(liquidation: LiquidationMessage, part: HeldPartition): LiquidationOutcome {
    const outcome = this.detector.onLiquidation(liquidation);
    part.changed = true;
    part.deltas.processed += 1;
    this.counters.tally('processed');
    if (outcome.kind === 'filtered') {
      part.deltas.filtered += 1;
      this.counters.tally('filtered');
    } else {
      part.deltas.stored += 1;
      this.counters.tally('stored');
      this.writer.enqueue(liquidation);
      if (outcome.signal) {
        part.deltas.signals += 1;
        this.counters.tally('signals');
        this.emitter.emit(outcome.signal);
      }
    }
    return outcome;
  }

  private handled(entries: DeliveredEntries): void {
    recordDelivered(entries, this.lastSeen, this.unacked, this.held);
  }

  private hold(index: number, skipUpTo: Map<string, string>, part?: HeldPartition): void {
    const held = part ?? { index, skipUpTo: new Map<string, string>(), deltas: noDeltas(), changed: false };
    held.skipUpTo.clear();
    for (const [stream, id] of skipUpTo) held.skipUpTo.set(stream, id);
    this.held[index] = held;
  }

  private drop(index: number, symbols: readonly string[]): void {
    for (const symbol of symbols) this.detector.forgetSymbol(symbol);
    this.held[index] = undefined;
  }

  private symbolsByPartition(): Map<number, string[]> {
    const byPartition = new Map<number, string[]>();
    for (const symbol of this.detector.symbols()) {
      const partition = this.partitions.partitionOf(symbol);
      const list = byPartition.get(partition);
      if (list) list.push(symbol);
      else byPartition.set(partition, [symbol]);
    }
    return byPartition;
  }
}

async function withDeadline(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = await Promise.race([work.then(() => true), late]);
  clearTimeout(timer);
  return done;
}
