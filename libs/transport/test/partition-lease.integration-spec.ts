import type Redis from 'ioredis';
import { createTestRedis } from '@mdp/testing';
import {
  PartitionCheckpointMismatchError,
  PartitionLeaseRepository,
  partitionCheckpointKey,
  partitionInstancesKey,
  partitionMembersKey,
  partitionLeaseKey,
  type PartitionCommit,
} from '../src';

const SERVICE = 'partitioned-test';
const countersKey = `${SERVICE}:{${SERVICE}}:counters`;
const counts = { processed: 3, filtered: 1, stored: 2, signals: 1 };

function repositoryOf(redis: Redis, leaseMs: number): PartitionLeaseRepository {
  return new PartitionLeaseRepository(redis, {
    service: SERVICE,
    partitions: 4,
    leaseMs,
    version: 1,
    counters: { key: countersKey, names: ['processed', 'filtered', 'stored', 'signals'], ttlSeconds: 60 },
  });
}

function commit(partition: number, repository: PartitionLeaseRepository, release = false): PartitionCommit {
  const positions = { 'stream:{trades}': `100-${partition}`, 'stream:{liquidations}': `90-${partition}` };
  return {
    partition,
    checkpoint: repository.encode(partition, positions, { symbols: [{ symbol: `S${partition}-USDT` }] }, 1),
    positions,
    counts,
    release,
  };
}

describe(PartitionLeaseRepository.name, () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('lets one process hold a replica number; lists the live replicas; drops those whose heartbeat expired', async () => {
    const a = repositoryOf(redis, 300);
    const b = repositoryOf(redis, 300);
    expect(await a.heartbeat(0, [])).toEqual({ joined: true, live: [0], lost: [] });
    expect(await b.heartbeat(0, [])).toEqual({ joined: false, live: [0], lost: [] }); // number 0 is a's
    expect(await b.heartbeat(2, [])).toEqual({ joined: true, live: [0, 2], lost: [] });
    expect(await redis.pttl(partitionMembersKey(SERVICE))).toBeGreaterThan(0);
    expect(await redis.pttl(partitionInstancesKey(SERVICE))).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 350)); // a and b silent past the lease
    expect(await b.heartbeat(0, [])).toEqual({ joined: true, live: [0], lost: [] }); // a is gone: b may take 0
    await b.leave(0);
    expect(await redis.zrange(partitionMembersKey(SERVICE), 0, -1)).toEqual([]);
  });

  it('leases a partition to one process; a commit writes checkpoint, positions and counts only under its lease', async () => {
    const a = repositoryOf(redis, 5_000);
    const b = repositoryOf(redis, 5_000);
    expect(await a.acquire(1)).toEqual({ checkpoint: null });
    expect(await b.acquire(1)).toBe(false);
    expect(await a.acquire(2)).toEqual({ checkpoint: null });

    // b has no lease on 1: its commit is refused and adds nothing; a's is written with its counts.
    expect(await b.commit([commit(1, b)])).toEqual([1]);
    expect(await redis.exists(partitionCheckpointKey(SERVICE, 1, 4))).toBe(0);
    expect(await redis.hgetall(countersKey)).toEqual({});
    expect(await a.commit([commit(1, a), commit(2, a, true)])).toEqual([]);
    expect(await redis.hgetall(countersKey)).toEqual({
      processed: '6',
      filtered: '2',
      stored: '4',
      signals: '2',
    });
    expect(await redis.ttl(countersKey)).toBeGreaterThan(0);
    expect(await redis.exists(partitionLeaseKey(SERVICE, 1, 4), partitionLeaseKey(SERVICE, 2, 4))).toBe(1); // 2 released

    // The next holder of 2 reads the checkpoint its previous holder wrote.
    const taken = await b.acquire(2);
    expect(taken && taken.checkpoint).toMatchObject({
      version: 1,
      partition: 2,
      partitions: 4,
      positions: { 'stream:{trades}': '100-2', 'stream:{liquidations}': '90-2' },
      symbols: [{ symbol: 'S2-USDT' }],
    });
    expect(await b.oldestPositions()).toEqual({
      'stream:{trades}': '100-1',
      'stream:{liquidations}': '90-1',
    });

    // A lease lost (expired, taken by another) fences the old holder: renewals and commits say so.
    await redis.del(partitionLeaseKey(SERVICE, 1, 4));
    expect(await b.acquire(1)).toMatchObject({ checkpoint: { partition: 1 } });
    expect((await a.heartbeat(0, [1])).lost).toEqual([1]);
    expect(await a.commit([commit(1, a)])).toEqual([1]);
    expect(await redis.hget(countersKey, 'processed')).toBe('6');
  });

  it('commits without a counters hash when the service has none', async () => {
    const repository = new PartitionLeaseRepository(redis, {
      service: SERVICE,
      partitions: 4,
      leaseMs: 5_000,
      version: 2,
    });
    expect(await repository.acquire(0)).toEqual({ checkpoint: null });
    const positions = { 'stream:{trades}': '5-0' };
    const checkpoint = repository.encode(0, positions, { watermark: 7 }, 1);
    expect(await repository.commit([{ partition: 0, checkpoint, positions, release: true }])).toEqual([]);
    expect(await redis.exists(countersKey, partitionLeaseKey(SERVICE, 0, 4))).toBe(0);
    expect(await repository.acquire(0)).toEqual({
      checkpoint: { version: 2, partition: 0, partitions: 4, writtenAt: 1, positions, watermark: 7 },
    });
  });

  it('refuses a checkpoint of another layout version or partition count, naming the key', async () => {
    const repository = repositoryOf(redis, 5_000);
    const { Packr } = await import('msgpackr');
    const packr = new Packr({ useRecords: false, mapsAsObjects: true });
    await redis.set(
      partitionCheckpointKey(SERVICE, 0, 4),
      packr.pack({ version: 99, partition: 0, partitions: 4 }),
    );
    await expect(repository.acquire(0)).rejects.toThrow(PartitionCheckpointMismatchError);
    await redis.set(
      partitionCheckpointKey(SERVICE, 3, 4),
      packr.pack({ version: 1, partition: 3, partitions: 8 }),
    );
    await expect(repository.acquire(3)).rejects.toThrow(
      'partitioned-test:{partitioned-test}:checkpoint:3-of-4 holds partition 3 of 8, expected 3 of 4',
    );
  });
});
