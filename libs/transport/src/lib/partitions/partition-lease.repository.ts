import { randomBytes } from 'node:crypto';
import { Packr } from 'msgpackr';
import { RedisScript, type RedisClient } from '@mdp/platform';
import { compareStreamIds } from '../stream-id';
import {
  partitionCheckpointKey,
  partitionInstancesKey,
  partitionLeaseKey,
  partitionMembersKey,
  partitionPositionsKey,
} from './partition.keys';

/** Stream -> id of the last entry whose events (of the partition) are in the checkpoint. */
export type StreamPositions = Record<string, string>;

/** What every partition checkpoint holds; the service adds its own fields (its state). */
export interface PartitionCheckpoint {
  version: number;
  partition: number;
  partitions: number;
  writtenAt: number;
  positions: StreamPositions;
}

/** What one commit writes for one partition. */
export interface PartitionCommit {
  partition: number;
  /** Encoded checkpoint (encode), or null when the state did not change since the last one. */
  checkpoint: Buffer | null;
  positions: StreamPositions;
  /** Counts of the partition's events since its last checkpoint, added to the counters hash with it (by name). */
  counts?: Readonly<Record<string, number>>;
  /** Give the partition up after writing (its lease is deleted). */
  release: boolean;
}

export interface PartitionLeaseOptions {
  /** The service: keys are `<service>:{<service>}:...` (partition.keys). */
  service: string;
  /** Fixed number of partitions. */
  partitions: number;
  /** Membership and lease time (ms). */
  leaseMs: number;
  /** Version of the service's checkpoint layout; a checkpoint of another version is refused, never guessed at. */
  version: number;
  /** A hash (same hash tag) to which each commit adds the partitions' counts, exactly once per checkpoint. */
  counters?: { key: string; names: readonly string[]; ttlSeconds: number };
}

/** A stored checkpoint that this build cannot read (another layout version or partition count). */
export class PartitionCheckpointMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartitionCheckpointMismatchError';
  }
}

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

// KEYS: members, instances, then the leases this process holds. ARGV: replica, token, ttl ms.
// Drops expired members, (re)registers the replica unless another live process holds its number,
// renews the leases still this process's; returns {joined, live replicas, 1-based lease positions lost}.
const HEARTBEAT = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
for _, replica in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  redis.call('ZREM', KEYS[1], replica)
  redis.call('HDEL', KEYS[2], replica)
end
local holder = redis.call('HGET', KEYS[2], ARGV[1])
local joined = 0
if holder == false or holder == ARGV[2] then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  joined = 1
end
local lost = {}
for i = 3, #KEYS do
  if joined == 1 and redis.call('GET', KEYS[i]) == ARGV[2] then
    redis.call('PEXPIRE', KEYS[i], ttl)
  else
    table.insert(lost, i - 2)
  end
end
return {joined, redis.call('ZRANGE', KEYS[1], 0, -1), lost}
`);

// KEYS: lease. ARGV: token, ttl ms. Takes the lease when nobody holds it.
const ACQUIRE = new RedisScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
`);

// KEYS: positions hash, counters hash (unused without counters), then lease and checkpoint of each
// partition. ARGV: token, counters ttl s, number of counters n, their n names, then per partition:
// partition, checkpoint ('' = unchanged), positions JSON, release (1/0), its n counts. Writes only
// the partitions whose lease is still this process's (fencing), adds their counts to the counters
// in the same step, deletes released leases; returns the partitions not written (lease lost).
const COMMIT = new RedisScript(`
local n = tonumber(ARGV[3])
local sums = {}
for c = 1, n do sums[c] = 0 end
local lost = {}
local stride = 4 + n
for i = 0, (#KEYS - 2) / 2 - 1 do
  local lease = KEYS[3 + 2 * i]
  local a = 4 + n + stride * i
  if redis.call('GET', lease) == ARGV[1] then
    if ARGV[a + 1] ~= '' then redis.call('SET', KEYS[4 + 2 * i], ARGV[a + 1]) end
    redis.call('HSET', KEYS[1], ARGV[a], ARGV[a + 2])
    for c = 1, n do sums[c] = sums[c] + tonumber(ARGV[a + 3 + c]) end
    if ARGV[a + 3] == '1' then redis.call('DEL', lease) end
  else
    table.insert(lost, tonumber(ARGV[a]))
  end
end
local wrote = false
for c = 1, n do
  if sums[c] ~= 0 then redis.call('HINCRBY', KEYS[2], ARGV[3 + c], sums[c]); wrote = true end
end
if wrote then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return lost
`);

// KEYS: members, instances. ARGV: replica, token. Leaves the membership if this process holds the number.
const LEAVE = new RedisScript(`
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
`);

/**
 * Membership, partition leases and per-partition checkpoints of a partitioned service's replicas
 * (the liquidation detector, the flow aggregator: docs/liquidation-detector.md, Scaling). Every key
 * carries the hash tag `{<service>}`, so each script's keys live in one slot on a Redis Cluster.
 * Times are the Redis server's (TIME). `token` identifies this process: a replica number is held
 * by one process at a time, and a lease renewal or checkpoint write of a process that lost its
 * lease is refused (fencing).
 */
export class PartitionLeaseRepository {
  readonly token = randomBytes(8).toString('hex');
  readonly partitions: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: PartitionLeaseOptions,
  ) {
    this.partitions = options.partitions;
  }

  get service(): string {
    return this.options.service;
  }

  /** Registers (or renews) `replica`, renews the leases of `held`; returns the live replicas and the partitions of `held` lost. */
  async heartbeat(
    replica: number,
    held: readonly number[],
  ): Promise<{ joined: boolean; live: number[]; lost: number[] }> {
    const { service, leaseMs } = this.options;
    const keys = [
      partitionMembersKey(service),
      partitionInstancesKey(service),
      ...held.map((partition) => partitionLeaseKey(service, partition, this.partitions)),
    ];
    const [joined, live, lost] = (await HEARTBEAT.run(this.redis, keys, [replica, this.token, leaseMs])) as [
      number,
      string[],
      number[],
    ];
    return {
      joined: joined === 1,
      live: live.map(Number).sort((a, b) => a - b),
      lost: lost.map((position) => held[position - 1]!),
    };
  }

  /** Takes `partition`'s lease if it is free; then reads its checkpoint (null: none yet). Returns false when another process holds it. */
  async acquire<B extends object>(
    partition: number,
  ): Promise<{ checkpoint: (PartitionCheckpoint & B) | null } | false> {
    const { service, leaseMs } = this.options;
    const lease = partitionLeaseKey(service, partition, this.partitions);
    if ((await ACQUIRE.run(this.redis, [lease], [this.token, leaseMs])) !== 1) return false;
    // Held now: nobody else can write this checkpoint until the lease is given up or expires.
    const bytes = await this.redis.getBuffer(partitionCheckpointKey(service, partition, this.partitions));
    return { checkpoint: bytes ? this.decode<B>(partition, bytes) : null };
  }

  /** A checkpoint of `partition`: the common fields, then the service's own (`body`). */
  encode(partition: number, positions: StreamPositions, body: object, now: number): Buffer {
    const checkpoint: PartitionCheckpoint = {
      version: this.options.version,
      partition,
      partitions: this.partitions,
      writtenAt: now,
      positions,
      ...body,
    };
    return packr.pack(checkpoint);
  }

  /** Writes the checkpoints and counts of the partitions still held (one script); returns the partitions whose lease was lost. */
  async commit(commits: readonly PartitionCommit[]): Promise<number[]> {
    if (commits.length === 0) return [];
    const { service, counters } = this.options;
    const names = counters?.names ?? [];
    const positionsKey = partitionPositionsKey(service, this.partitions);
    const keys = [positionsKey, counters?.key ?? positionsKey];
    const args: Array<string | number | Buffer> = [
      this.token,
      counters?.ttlSeconds ?? 0,
      names.length,
      ...names,
    ];
    for (const commit of commits) {
      keys.push(
        partitionLeaseKey(service, commit.partition, this.partitions),
        partitionCheckpointKey(service, commit.partition, this.partitions),
      );
      args.push(
        commit.partition,
        commit.checkpoint ?? '',
        JSON.stringify(commit.positions),
        commit.release ? 1 : 0,
        ...names.map((name) => commit.counts?.[name] ?? 0),
      );
    }
    return ((await COMMIT.run(this.redis, keys, args)) as number[]).map(Number);
  }

  /** Leaves the membership (graceful stop, after every partition was released). */
  async leave(replica: number): Promise<void> {
    const { service } = this.options;
    await LEAVE.run(
      this.redis,
      [partitionMembersKey(service), partitionInstancesKey(service)],
      [replica, this.token],
    );
  }

  /** Per stream, the oldest position any partition's checkpoint covers (where a new replica's group starts), or {} with none. */
  async oldestPositions(): Promise<StreamPositions> {
    const hash = await this.redis.hgetall(partitionPositionsKey(this.options.service, this.partitions));
    const oldest: StreamPositions = {};
    for (const json of Object.values(hash)) {
      for (const [stream, id] of Object.entries(JSON.parse(json) as StreamPositions)) {
        const known = oldest[stream];
        if (known === undefined || compareStreamIds(id, known) < 0) oldest[stream] = id;
      }
    }
    return oldest;
  }

  private decode<B extends object>(partition: number, bytes: Buffer): PartitionCheckpoint & B {
    const { service, version } = this.options;
    const key = partitionCheckpointKey(service, partition, this.partitions);
    const checkpoint = packr.unpack(bytes) as Partial<PartitionCheckpoint>;
    if (checkpoint.version !== version) {
      throw new PartitionCheckpointMismatchError(
        `${key} has checkpoint version ${String(checkpoint.version)}, this build reads version ${version}; ` +
          'refusing to guess at its state (delete the key to start that partition empty)',
      );
    }
    if (checkpoint.partition !== partition || checkpoint.partitions !== this.partitions) {
      throw new PartitionCheckpointMismatchError(
        `${key} holds partition ${String(checkpoint.partition)} of ${String(checkpoint.partitions)}, ` +
          `expected ${partition} of ${this.partitions}`,
      );
    }
    return checkpoint as PartitionCheckpoint & B;
  }
}
