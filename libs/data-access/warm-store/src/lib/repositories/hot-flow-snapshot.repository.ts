import type { RedisClient } from '@mdp/platform';

/** Reads liquidity-flow snapshots (seed 000 StoredFlowData JSON) from the hot store by key. */
export class HotFlowSnapshotRepository {
  constructor(private readonly redis: RedisClient) {}

  /** The JSON of each key, or null where the key has expired (or never existed). Works on a cluster too. */
  readMany(keys: readonly string[]): Promise<Array<string | null>> {
    return Promise.all(keys.map((key) => this.redis.get(key)));
  }
}
