import { randomBytes } from 'node:crypto';
import { Packr } from 'msgpackr';
import type { DetectorSymbolState } from '@mdp/domain-liquidation';
import type { RedisClient } from '@mdp/platform';
import {
  detectorCheckpointKey,
  detectorCheckpointPositionsKey,
  detectorCountersKey,
  detectorInstancesKey,
  detectorMembersKey,
  detectorPartitionLeaseKey,
} from './liquidation-keys';
import { RedisScript } from './redis-script';

/** Version of the checkpoint layout; a checkpoint of another version is refused, never guessed at. */
export const DETECTOR_CHECKPOINT_VERSION = 1;

/** Stream -> id of the last entry whose events (of the partition) are in the checkpoint. */
export type StreamPositions = Record<string, string>;

/** One partition's checkpoint: its symbols' state and the stream positions it covers. */
export interface DetectorCheckpoint {
  version: number;
  partition: number;
  partitions: number;
  writtenAt: number;
  positions: StreamPositions;
  symbols: DetectorSymbolState[];
}

/** Counts of a partition's events since its last checkpoint, added to the counters hash with it. */
export interface PartitionCounterDeltas {
  processed: number;
  filtered: number;
  /** Accepted liquidations handed to the store (each stored once: ZADD NX). */
  stored: number;
  signals: number;
}

/** What one commit writes for one partition. */
export interface PartitionCommit {
  partition: number;
  /** Encoded checkpoint (encode), or null when the state did not change since the last one. */
  checkpoint: Buffer | null;
  positions: StreamPositions;
  deltas: PartitionCounterDeltas;
  /** Give the partition up after writing (its lease is deleted). */
  release: boolean;
}

/** A stored checkpoint that this build cannot read (another layout version or partition count). */
export class DetectorCheckpointMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DetectorCheckpointMismatchError';
  }
}

const COUNTERS_TTL_SECONDS = 7 * 86_400;

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

// KEYS: counters, positions hash, then lease and checkpoint of each partition.
// ARGV: token, counters ttl s, then per partition: partition, checkpoint ('' = unchanged), positions
// JSON, processed, filtered, stored, signals, release (1/0). Writes only the partitions whose lease is still
// this process's (fencing), adds their counts to the counters in the same step, deletes released
// leases; returns the partitions not written (lease lost).
const COMMIT = new RedisScript(`
local sums = {processed = 0, filtered = 0, stored = 0, signals = 0}
local lost = {}
for i = 0, (#KEYS - 2) / 2 - 1 do
  local lease = KEYS[3 + 2 * i]
  local a = 3 + 8 * i
  if redis.call('GET', lease) == ARGV[1] then
    if ARGV[a + 1] ~= '' then redis.call('SET', KEYS[4 + 2 * i], ARGV[a + 1]) end
    redis.call('HSET', KEYS[2], ARGV[a], ARGV[a + 2])
    sums.processed = sums.processed + tonumber(ARGV[a + 3])
    sums.filtered = sums.filtered + tonumber(ARGV[a + 4])
    sums.stored = sums.stored + tonumber(ARGV[a + 5])
    sums.signals = sums.signals + tonumber(ARGV[a + 6])
    if ARGV[a + 7] == '1' then redis.call('DEL', lease) end
  else
    table.insert(lost, tonumber(ARGV[a]))
  end
end
local wrote = false
for name, delta in pairs(sums) do
  if delta ~= 0 then redis.call('HINCRBY', KEYS[1], name, delta); wrote = true end
end
if wrote then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
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
 * Membership, partition leases and per-partition checkpoints of the liquidation detector's replicas
 * (docs/liquidation-detector.md, Scaling). Every key carries the hash tag `{liquidation-detector}`,
 * so each script's keys live in one slot on a Redis Cluster. Times are the Redis server's (TIME).
 * `token` identifies this process: a replica number is held by one process at a time, and a lease
 * or checkpoint write of a process that lost its lease is refused (fencing).
 */
export class DetectorPartitionRepository {
  readonly token = randomBytes(8).toString('hex');

  constructor(
    private readonly redis: RedisClient,
    readonly partitions: number,
    private readonly leaseMs: number,
  ) {}

  /** Registers (or renews) `replica`, renews the leases of `held`; returns the live replicas and the partitions of `held` lost. */
  async heartbeat(
    replica: number,
    held: readonly number[],
  ): Promise<{ joined: boolean; live: number[]; lost: number[] }> {
    const keys = [
      detectorMembersKey(),
      detectorInstancesKey(),
      ...held.map((partition) => detectorPartitionLeaseKey(partition, this.partitions)),
    ];
    const [joined, live, lost] = (await HEARTBEAT.run(this.redis, keys, [
      replica,
      this.token,
      this.leaseMs,
    ])) as [number, string[], number[]];
    return {
      joined: joined === 1,
      live: live.map(Number).sort((a, b) => a - b),
      lost: lost.map((position) => held[position - 1]!),
    };
  }

  /** Takes `partition`'s lease if it is free; then reads its checkpoint (null: none yet). Returns false when another process holds it. */
  async acquire(partition: number): Promise<{ checkpoint: DetectorCheckpoint | null } | false> {
    const lease = detectorPartitionLeaseKey(partition, this.partitions);
    if ((await ACQUIRE.run(this.redis, [lease], [this.token, this.leaseMs])) !== 1) return false;
    // Held now: nobody else can write this checkpoint until the lease is given up or expires.
    const bytes = await this.redis.getBuffer(detectorCheckpointKey(partition, this.partitions));
    return { checkpoint: bytes ? this.decode(partition, bytes) : null };
  }

  encode(partition: number, positions: StreamPositions, symbols: DetectorSymbolState[], now: number): Buffer {
    const checkpoint: DetectorCheckpoint = {
      version: DETECTOR_CHECKPOINT_VERSION,
      partition,
      partitions: this.partitions,
      writtenAt: now,
      positions,
      symbols,
    };
    return packr.pack(checkpoint);
  }

  /** Writes the checkpoints and counts of the partitions still held (one script); returns the partitions whose lease was lost. */
  async commit(commits: readonly PartitionCommit[]): Promise<number[]> {
    if (commits.length === 0) return [];
    const keys = [detectorCountersKey(), detectorCheckpointPositionsKey(this.partitions)];
    const args: Array<string | number | Buffer> = [this.token, COUNTERS_TTL_SECONDS];
    for (const commit of commits) {
      keys.push(
        detectorPartitionLeaseKey(commit.partition, this.partitions),
        detectorCheckpointKey(commit.partition, this.partitions),
      );
      args.push(
        commit.partition,
        commit.checkpoint ?? '',
        JSON.stringify(commit.positions),
        commit.deltas.processed,
        commit.deltas.filtered,
        commit.deltas.stored,
        commit.deltas.signals,
        commit.release ? 1 : 0,
      );
    }
    return ((await COMMIT.run(this.redis, keys, args)) as number[]).map(Number);
  }

  /** Leaves the membership (graceful stop, after every partition was released). */
  async leave(replica: number): Promise<void> {
    await LEAVE.run(this.redis, [detectorMembersKey(), detectorInstancesKey()], [replica, this.token]);
  }

  /** Per stream, the oldest position any partition's checkpoint covers (where a new replica's group starts), or {} with none. */
  async oldestPositions(): Promise<StreamPositions> {
    const hash = await this.redis.hgetall(detectorCheckpointPositionsKey(this.partitions));
    const oldest: StreamPositions = {};
    for (const json of Object.values(hash)) {
      for (const [stream, id] of Object.entries(JSON.parse(json) as StreamPositions)) {
        const known = oldest[stream];
        if (known === undefined || compareIds(id, known) < 0) oldest[stream] = id;
      }
    }
    return oldest;
  }

  private decode(partition: number, bytes: Buffer): DetectorCheckpoint {
    const key = detectorCheckpointKey(partition, this.partitions);
    const checkpoint = packr.unpack(bytes) as Partial<DetectorCheckpoint>;
    if (checkpoint.version !== DETECTOR_CHECKPOINT_VERSION) {
      throw new DetectorCheckpointMismatchError(
        `${key} has checkpoint version ${String(checkpoint.version)}, this build reads version ${DETECTOR_CHECKPOINT_VERSION}; ` +
          'refusing to guess at its state (delete the key to start that partition empty)',
      );
    }
    if (checkpoint.partition !== partition || checkpoint.partitions !== this.partitions) {
      throw new DetectorCheckpointMismatchError(
        `${key} holds partition ${String(checkpoint.partition)} of ${String(checkpoint.partitions)}, ` +
          `expected ${partition} of ${this.partitions}`,
      );
    }
    return checkpoint as DetectorCheckpoint;
  }
}

function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}
