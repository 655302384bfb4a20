import { isCluster, type RedisClient } from '@mdp/platform';
import { FLOW_WINDOWS, type FlowWindow } from '@mdp/schemas';
import type { StoredFlowData } from '@mdp/domain-flow';
import { decodeFlowSnapshot, decodeFlowSnapshotBytes, encodeFlowSnapshot } from './flow-snapshot.codec';
import { FLOW_TTL_SECONDS } from './flow-ttl.constant';
import { flowCoinPattern, flowIndexKey, parseFlowSnapshotKey } from './flow.keys';
import { FlowDataValidationError } from './flow-data.validation-error';
import { validateStoredFlowData } from './stored-flow-data.validator';

export interface LiquidityFlowRepositoryOptions {
  /** Snapshots whose JSON is at least this long are stored gzip-compressed (0: never). */
  compressMinBytes?: number;
}

/** What a store wrote: the key, its TTL and the bytes of the value. */
export interface StoredFlowWrite {
  key: string;
  ttlSeconds: number;
  bytes: number;
  compressed: boolean;
  data: StoredFlowData;
}

/** The one check kept for trusted input: the key is the snapshot's own. */
function trustedFlowData(data: StoredFlowData): StoredFlowData {
  const parts = parseFlowSnapshotKey(data.key);
  if (
    !parts ||
    parts.coin !== data.coin ||
    parts.timeWindow !== data.timeWindow ||
    parts.timestamp !== data.timestamp
  ) {
    throw new FlowDataValidationError([
      `key: must be liquidity-flow:${data.coin}:${data.timeWindow}:${data.timestamp}`,
    ]);
  }
  return data;
}

/**
 * Seed 000 storage of liquidity flow snapshots: store / retrieve / historical / delete / clear.
 * A snapshot is a string (JSON, or compressed JSON, see flow-snapshot.codec) under
 * `liquidity-flow:{coin}:{timeWindow}:{timestamp}` with the seed's TTL for its window, indexed in
 * the sorted set `liquidity-flow:{coin}:{timeWindow}:index` (score = window timestamp). Index
 * members whose snapshot has expired are removed by `historical` and `pruneIndex`. Commands are
 * sent one by one (not MULTI), so the keys need no shared hash slot on a cluster.
 */
export class LiquidityFlowRepository {
  private readonly compressMinBytes: number;
  /** Per key, the last store's commands being issued; the next store of that key issues its own after them. */
  private readonly issuing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: RedisClient,
    options: LiquidityFlowRepositoryOptions = {},
  ) {
    this.compressMinBytes = options.compressMinBytes ?? 0;
  }

  /**
   * Validates `input` (throws FlowDataValidationError) and stores it. `trusted` (the aggregator's
   * own snapshots, typed and built by the domain library) checks only the key, not every field.
   * Stores it with the TTL of its window;
   * `expiresAt` is set to `now` + TTL so it says when the key really expires.
   */
  async store(
    input: unknown,
    now = Date.now(),
    { trusted = false }: { trusted?: boolean } = {},
  ): Promise<StoredFlowWrite> {
    const valid = trusted ? trustedFlowData(input as StoredFlowData) : validateStoredFlowData(input);
    const ttlSeconds = FLOW_TTL_SECONDS[valid.timeWindow];
    const data: StoredFlowData = { ...valid, expiresAt: now + ttlSeconds * 1000 };
    const json = JSON.stringify(data);
    const encoded = encodeFlowSnapshot(json, this.compressMinBytes);
    // A key's commands go out in the order of its store calls, whichever compression finishes
    // first: a later write of a key (a window's final snapshot) is never overtaken by an earlier
    // one. Other keys do not wait (a 1m window's write is not held behind a 4h window's gzip).
    const previous = this.issuing.get(data.key) ?? Promise.resolve();
    const issued = previous.then(async () => {
      const value = await encoded;
      return {
        value,
        written: Promise.all([
          this.redis.set(data.key, value, 'EX', ttlSeconds),
          this.redis.zadd(flowIndexKey(data.coin, data.timeWindow), data.timestamp, data.key),
        ]),
      };
    });
    const tail = issued.catch(() => undefined);
    this.issuing.set(data.key, tail);
    void tail.then(() => {
      if (this.issuing.get(data.key) === tail) this.issuing.delete(data.key);
    });
    const { value, written } = await issued;
    await written;
    return { key: data.key, ttlSeconds, bytes: Buffer.byteLength(value), compressed: value !== json, data };
  }

  /** The snapshot under `key`, or null when there is none (expired, deleted, never written). */
  async retrieve(key: string): Promise<StoredFlowData | null> {
    const value = await this.redis.get(key);
    return value === null ? null : (JSON.parse(decodeFlowSnapshot(value)) as StoredFlowData);
  }

  /**
   * The JSON bytes of the snapshot under `key` exactly as stored (decompressed), or null: for callers
   * that send it on unchanged (the gateway answers with these bytes: no string decode, parse,
   * re-serialize or re-encode).
   */
  async retrieveBytes(key: string): Promise<Buffer | null> {
    const value = await this.redis.getBuffer(key);
    return value === null ? null : decodeFlowSnapshotBytes(value);
  }

  /**
   * The JSON of at most `limit` snapshots of a coin and window with start <= timestamp <= end, oldest
   * first, as stored; drops index entries of expired ones. `truncated` says more were indexed in the range.
   */
  async historicalJson(
    coin: string,
    timeWindow: FlowWindow,
    start: number,
    end: number,
    limit: number,
  ): Promise<{ snapshots: string[]; truncated: boolean }> {
    const index = flowIndexKey(coin, timeWindow);
    // One more than asked, to know whether the range holds more.
    const keys = await this.redis.zrangebyscore(index, start, end, 'LIMIT', 0, limit + 1);
    const truncated = keys.length > limit;
    if (truncated) keys.length = limit;
    // MGET on a standalone Redis (one command); on a cluster the keys live in several slots.
    const values: Array<string | null> =
      keys.length === 0
        ? []
        : isCluster(this.redis)
          ? await Promise.all(keys.map((key) => this.redis.get(key)))
          : await this.redis.mget(keys);
    const snapshots: string[] = [];
    const gone: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (value === null || value === undefined) gone.push(keys[i]!);
      else snapshots.push(decodeFlowSnapshot(value));
    }
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return { snapshots, truncated };
  }

  /** Snapshots of a coin and window with start <= timestamp <= end, oldest first; drops index entries of expired ones. */
  async historical(
    coin: string,
    timeWindow: FlowWindow,
    start: number,
    end: number,
  ): Promise<StoredFlowData[]> {
    const index = flowIndexKey(coin, timeWindow);
    const keys = await this.redis.zrangebyscore(index, start, end);
    const values = await Promise.all(keys.map((key) => this.redis.get(key)));
    const gone = keys.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return values
      .filter((value): value is string => value !== null)
      .map((value) => JSON.parse(decodeFlowSnapshot(value)) as StoredFlowData);
  }

  /** Deletes one snapshot and its index entry; true when the snapshot existed. */
  async delete(key: string): Promise<boolean> {
    const parts = parseFlowSnapshotKey(key);
    const [deleted] = await Promise.all([
      this.redis.del(key),
      parts ? this.redis.zrem(flowIndexKey(parts.coin, parts.timeWindow), key) : Promise.resolve(0),
    ]);
    return deleted > 0;
  }

  /** Deletes every snapshot and index of a coin (indexed or found by SCAN); returns how many keys went. */
  async clear(coin: string): Promise<number> {
    const keys = new Set<string>();
    for (const window of FLOW_WINDOWS) {
      const index = flowIndexKey(coin, window);
      for (const key of await this.redis.zrange(index, 0, -1)) keys.add(key);
      keys.add(index);
    }
    for (const key of await this.scanAll(flowCoinPattern(coin))) keys.add(key);
    const counts = await Promise.all([...keys].map((key) => this.redis.del(key)));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** Removes index entries of a coin and window whose snapshot has expired; returns how many. */
  async pruneIndex(coin: string, timeWindow: FlowWindow): Promise<number> {
    const index = flowIndexKey(coin, timeWindow);
    const keys = await this.redis.zrange(index, 0, -1);
    const exists = await Promise.all(keys.map((key) => this.redis.exists(key)));
    const gone = keys.filter((_, i) => exists[i] === 0);
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return gone.length;
  }

  /** Index entries of a coin and window (keys), oldest first. */
  indexed(coin: string, timeWindow: FlowWindow): Promise<string[]> {
    return this.redis.zrange(flowIndexKey(coin, timeWindow), 0, -1);
  }

  private async scanAll(pattern: string): Promise<string[]> {
    const found: string[] = [];
    const nodes = 'nodes' in this.redis ? this.redis.nodes('master') : [this.redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        found.push(...keys);
      } while (cursor !== '0');
    }
    return found;
  }
}
