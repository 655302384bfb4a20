import { shardOf } from '@mdp/domain-flow';
import { ReplicaPartitions } from '@mdp/transport';

/** The service name of the aggregator's replicas: consumer groups `flow-aggregator[-<k>]`, keys `flow-aggregator:{flow-aggregator}:...`. */
export const FLOW_SERVICE = 'flow-aggregator';

/**
 * How the aggregator's coins and symbols (a trade's `base`) are spread over its replicas: a coin
 * belongs to partition `shardOf(base, FLOW_PARTITIONS)` (FNV-1a modulo the fixed count), and each
 * partition to one live replica at a time (ReplicaPartitions.ownerOf). Replica 0 reads in consumer
 * group `flow-aggregator` (the group of a single aggregator, watched by the autoscaler), replica k
 * in `flow-aggregator-<k>`.
 */
export class FlowPartitions extends ReplicaPartitions {
  constructor(replica = 0, count = 16) {
    super(FLOW_SERVICE, replica, count, shardOf);
  }
}
