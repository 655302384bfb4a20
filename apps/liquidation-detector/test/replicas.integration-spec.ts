import type Redis from 'ioredis';
import { LiquidationStream, TradeStream } from '@mdp/schemas';
import { createTestRedis, testRedisUrl, waitFor } from '@mdp/testing';
import { startDetector, type RunningDetector } from './liquidation-detector.harness';

const ENV = {
  DETECTOR_HEARTBEAT_MS: '50',
  DETECTOR_LEASE_MS: '300',
  DETECTOR_CHECKPOINT_INTERVAL_MS: '50',
  REDIS_MAX_MEMORY: '1024gb',
};

async function groups(redis: Redis, stream: string): Promise<string[]> {
  const list = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  return list.map((group) => String(group[group.indexOf('name') + 1])).sort();
}

describe('detector replicas', () => {
  let redis: Redis;
  const running: RunningDetector[] = [];
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    for (const detector of running.splice(0)) await detector.close();
    await redis.quit();
  });

  it("share the partitions in turn, take back a stopped replica's and remove its consumer group", async () => {
    const zero = await startDetector({ ...ENV, REDIS_URL: testRedisUrl() });
    running.push(zero);
    expect(zero.components.detection.heldPartitions()).toHaveLength(16);
    const one = await startDetector({ ...ENV, REDIS_URL: testRedisUrl(), DETECTOR_REPLICA: '1' });
    running.push(one);
    const even = Array.from({ length: 8 }, (_, i) => 2 * i);
    await waitFor('the partitions split between the two', () => {
      return (
        JSON.stringify(zero.components.detection.heldPartitions()) === JSON.stringify(even) &&
        JSON.stringify(one.components.detection.heldPartitions()) === JSON.stringify(even.map((p) => p + 1))
      );
    });
    for (const stream of [TradeStream.stream, LiquidationStream.stream])
      expect(await groups(redis, stream)).toEqual(['liquidation-detector', 'liquidation-detector-1']);

    await one.close(); // graceful: checkpoints and releases its 8, leaves the membership
    running.splice(running.indexOf(one), 1);
    await waitFor(
      'replica 0 holds all 16 again',
      () => zero.components.detection.heldPartitions().length === 16,
    );
    expect(zero.components.coordinator.live).toEqual([0]);
    // The gone replica's groups would hold back trimming: the first live replica removes them.
    await waitFor(
      'the consumer groups of replica 1 removed',
      async () =>
        (await groups(redis, TradeStream.stream)).length === 1 &&
        (await groups(redis, LiquidationStream.stream)).length === 1,
      { timeoutMs: 10_000 },
    );
    expect(await groups(redis, TradeStream.stream)).toEqual(['liquidation-detector']);
  }, 60_000);

  it('refuses a second process with the same replica number, naming DETECTOR_REPLICA', async () => {
    const first = await startDetector({ ...ENV, REDIS_URL: testRedisUrl() });
    running.push(first);
    await expect(startDetector({ ...ENV, REDIS_URL: testRedisUrl() })).rejects.toThrow(
      'DETECTOR_REPLICA 0 is held by another live process (300 ms lease): give each replica its own number',
    );
    expect(first.components.detection.heldPartitions()).toHaveLength(16);
  }, 30_000);
});
