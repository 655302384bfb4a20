import { shardOf } from '@mdp/domain-flow';
import type { LiquidationDetectorConfig } from '../liquidation-detector.config';

/**
 * How the detector's symbols are spread over its replicas: a symbol belongs to partition
 * `shardOf(symbol, count)` (FNV-1a modulo the fixed partition count, the flow aggregator's rule),
 * and each partition to one live replica at a time (`ownerOf`: the sorted live replicas take the
 * partitions in turn). Replica 0 reads in consumer group `liquidation-detector` (the group of a
 * single detector, watched by the autoscaler), replica k in `liquidation-detector-<k>`.
 */
export class DetectorPartitions {
  readonly group: string;
  private readonly partitionOfSymbol = new Map<string, number>();

  constructor(
    readonly replica = 0,
    readonly count = 16,
  ) {
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(replica) || replica < 0)
      throw new RangeError(`replica ${replica} with ${count} partitions: both must be integers, count >= 1`);
    this.group = DetectorPartitions.groupOf(replica);
  }

  static from(config: LiquidationDetectorConfig): DetectorPartitions {
    return new DetectorPartitions(config.DETECTOR_REPLICA, config.DETECTOR_PARTITIONS);
  }

  static groupOf(replica: number): string {
    return replica === 0 ? 'liquidation-detector' : `liquidation-detector-${replica}`;
  }

  /** The replica number whose group `group` is, or null when it is not a detector replica's group. */
  static replicaOfGroup(group: string): number | null {
    if (group === 'liquidation-detector') return 0;
    const match = /^liquidation-detector-([1-9]\d*)$/.exec(group);
    return match ? Number(match[1]) : null;
  }

  /** The replica that should hold `partition` among `live` (sorted ascending, not empty). */
  static ownerOf(partition: number, live: readonly number[]): number {
    return live[partition % live.length]!;
  }

  partitionOf(symbol: string): number {
    let partition = this.partitionOfSymbol.get(symbol);
    if (partition === undefined) {
      partition = shardOf(symbol, this.count);
      this.partitionOfSymbol.set(symbol, partition);
    }
    return partition;
  }
}
