import { shardOf } from '@mdp/domain-flow';
import type { LiquidationDetectorConfig } from './liquidation-detector.config';

/**
 * The symbols this replica detects: shard `index` of `count` owns the symbols whose FNV-1a hash
 * modulo `count` is `index` (the flow aggregator's rule, `shardOf`). With one shard the replica
 * owns every symbol and reads in group `liquidation-detector`, as before sharding; with more, each
 * shard reads every event in a group of its own (`liquidation-detector-shard-<i>-of-<n>`) and
 * skips the symbols of the others, so a symbol's percentile sketch, VWAP window and signals live in
 * exactly one replica.
 */
export class DetectorShard {
  readonly group: string;
  private readonly ownership = new Map<string, boolean>();

  constructor(
    readonly index = 0,
    readonly count = 1,
  ) {
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count)
      throw new RangeError(`shard ${index} of ${count}: the index must be 0 to count - 1`);
    this.group = count === 1 ? 'liquidation-detector' : `liquidation-detector-shard-${index}-of-${count}`;
  }

  static from(config: LiquidationDetectorConfig): DetectorShard {
    return new DetectorShard(config.DETECTOR_SHARD_INDEX, config.DETECTOR_SHARD_COUNT);
  }

  owns(symbol: string): boolean {
    if (this.count === 1) return true;
    let owned = this.ownership.get(symbol);
    if (owned === undefined) {
      owned = shardOf(symbol, this.count) === this.index;
      this.ownership.set(symbol, owned);
    }
    return owned;
  }

  /** `index/count`, as logged and reported by health. */
  toString(): string {
    return `${this.index}/${this.count}`;
  }
}
