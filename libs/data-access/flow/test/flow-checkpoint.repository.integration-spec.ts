import { Packr } from 'msgpackr';
import { createTestRedis } from '@mdp/testing';
import {
  FLOW_CHECKPOINT_VERSION,
  FlowCheckpointMismatchError,
  FlowCheckpointRepository,
  flowCheckpointKey,
} from '../src';

describe(FlowCheckpointRepository.name, () => {
  it('stores one key per shard and reads back exactly what was encoded (floats to the last bit)', async () => {
    const redis = await createTestRedis();
    const repository = new FlowCheckpointRepository(redis, 1, 3);
    expect(repository.key).toBe('flow-aggregator:{flow-aggregator}:checkpoint:1-of-3');
    expect(await repository.read()).toBeNull();
    const state = { sums: [0.1 + 0.2, 1e-300, -2.5, 123_456_789.123_456_78], nested: { ids: ['a', 'b'] } };
    const bytes = repository.encode(state, { 'stream:{trades}': ['1-0', '2-0'] }, 1_700_000_000_000);
    await repository.store(bytes);
    expect(await repository.read()).toEqual({
      version: FLOW_CHECKPOINT_VERSION,
      shardIndex: 1,
      shardCount: 3,
      writtenAt: 1_700_000_000_000,
      covered: { 'stream:{trades}': ['1-0', '2-0'] },
      state,
    });
    await redis.quit();
  });

  it('refuses a checkpoint of another schema version or shard layout, naming both', async () => {
    const redis = await createTestRedis();
    const repository = new FlowCheckpointRepository(redis, 0, 1);
    const packr = new Packr({ useRecords: false });
    await redis.set(
      flowCheckpointKey(0, 1),
      packr.pack({ version: 99, shardIndex: 0, shardCount: 1, writtenAt: 0, covered: {}, state: {} }),
    );
    await expect(repository.read()).rejects.toThrow(FlowCheckpointMismatchError);
    await expect(repository.read()).rejects.toThrow(
      /checkpoint version 99, this build reads version 1; refusing to guess/,
    );
    await redis.set(flowCheckpointKey(0, 1), new FlowCheckpointRepository(redis, 1, 2).encode({}, {}, 0));
    await expect(repository.read()).rejects.toThrow(
      /holds shard 1 of 2, this process is shard 0 of 1; refusing another shard layout's state/,
    );
    await redis.quit();
  });
});
