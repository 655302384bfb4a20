import { shardOf } from '@mdp/domain-flow';
import { ReplicaPartitions } from '@mdp/transport';
import type { LiquidationDetectorConfig } from '../liquidation-detector.config';

/** The service name of the detector's replicas: consumer groups `liquidation-detector[-<k>]`, keys `liquidation-detector:{liquidation-detector}:...`. */
export const DETECTOR_SERVICE = 'liquidation-detector';

/**
 * How the detector's symbols are spread over its replicas: a symbol belongs to partition
 * `shardOf(symbol, count)` (FNV-1a modulo the fixed partition count, the flow aggregator's rule),
 * and each partition to one live replica at a time (ReplicaPartitions.ownerOf). Replica 0 reads in
 * consumer group `liquidation-detector` (the group of a single detector, watched by the autoscaler),
 * replica k in `liquidation-detector-<k>`.
 */
export class DetectorPartitions extends ReplicaPartitions {
  constructor(replica = 0, count = 16) {
    super(DETECTOR_SERVICE, replica, count, shardOf);
  }

  static from(config: LiquidationDetectorConfig): DetectorPartitions {
    return new DetectorPartitions(config.DETECTOR_REPLICA, config.DETECTOR_PARTITIONS);
  }
}
