import { Packr } from 'msgpackr';
import { createTestRedis } from '@mdp/testing';
import { FlowCheckpointMismatchError, assertNoShardLayoutCheckpoint, flowShardCheckpointKey } from '../src';

describe(assertNoShardLayoutCheckpoint.name, () => {
  it('refuses a checkpoint of the shard layout, naming its key; passes with none', async () => {
    const redis = await createTestRedis();
    await expect(assertNoShardLayoutCheckpoint(redis, 16)).resolves.toBeUndefined();
    const packr = new Packr({ useRecords: false });
    const legacy = packr.pack({
      version: 1,
      shardIndex: 0,
      shardCount: 3,
      writtenAt: 0,
      covered: {},
      state: {},
    });
    await redis.set(flowShardCheckpointKey(0, 3), legacy);
    await expect(assertNoShardLayoutCheckpoint(redis, 16)).rejects.toThrow(FlowCheckpointMismatchError);
    await expect(assertNoShardLayoutCheckpoint(redis, 16)).rejects.toThrow(
      /^flow-aggregator:\{flow-aggregator\}:checkpoint:0-of-3 is a checkpoint of the shard layout/,
    );
    // With 3 partitions that key is partition 0's: its version check refuses it when it is taken.
    await expect(assertNoShardLayoutCheckpoint(redis, 3)).resolves.toBeUndefined();
    await redis.quit();
  });
});
