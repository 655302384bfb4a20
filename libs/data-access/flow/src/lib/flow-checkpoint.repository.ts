import type { RedisClient } from '@mdp/platform';
import { flowShardCheckpointKey } from './flow.keys';

/**
 * Version of the flow aggregator's checkpoint layout: 2 = one checkpoint per partition (the
 * partition's state and the watermark at its stream positions); 1 was one checkpoint per shard.
 * A checkpoint of another version is refused, never guessed at.
 */
export const FLOW_CHECKPOINT_VERSION = 2;

/** Largest FLOW_SHARD_COUNT the shard layout accepted. */
const SHARD_LAYOUT_MAX_COUNT = 64;

/** A stored checkpoint that this build cannot read (another layout). */
export class FlowCheckpointMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowCheckpointMismatchError';
  }
}

/**
 * Refuses to start over a checkpoint of the shard layout (version 1: the whole state of shard
 * FLOW_SHARD_INDEX of FLOW_SHARD_COUNT in `...:checkpoint:<i>-of-<n>`): starting empty beside it
 * would silently drop its open windows and candles. Looks for shard 0 of every count the layout
 * allowed except `partitions` (that key is partition 0's now, and its version check refuses a
 * version 1 there). One EXISTS: the keys share the hash tag, so this works on a Cluster too.
 */
export async function assertNoShardLayoutCheckpoint(redis: RedisClient, partitions: number): Promise<void> {
  const keys: string[] = [];
  for (let count = 1; count <= SHARD_LAYOUT_MAX_COUNT; count++)
    if (count !== partitions) keys.push(flowShardCheckpointKey(0, count));
  if ((await redis.exists(...keys)) === 0) return;
  for (const key of keys) {
    if ((await redis.exists(key)) === 0) continue;
    throw new FlowCheckpointMismatchError(
      `${key} is a checkpoint of the shard layout (FLOW_SHARD_INDEX / FLOW_SHARD_COUNT, version 1); this build keeps ` +
        `one checkpoint per partition (FLOW_PARTITIONS=${partitions}) and refuses to guess at it: drain the old version ` +
        'first (stop it once its lag is 0), or delete the shard keys to start empty',
    );
  }
}
