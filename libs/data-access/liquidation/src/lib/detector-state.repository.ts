import { STORAGE_MODES, type StorageMode } from '@mdp/domain-liquidation';
import type { RedisClient } from '@mdp/platform';
import { detectorCountersKey, storageStateKey } from './liquidation-keys';

export const DETECTOR_COUNTERS = ['processed', 'filtered', 'stored', 'memory_rejections', 'signals'] as const;
export type DetectorCounter = (typeof DETECTOR_COUNTERS)[number];
export type DetectorCounters = Record<DetectorCounter, number>;

/** Redis memory as INFO reports it. */
export interface RedisMemoryReading {
  usedBytes: number;
  /** maxmemory of the server, or the configured fallback when the server has none (0). */
  maxBytes: number;
  usedPct: number;
  evictedKeys: number;
  policy: string;
}

export interface StorageState extends RedisMemoryReading {
  mode: StorageMode;
  updatedAt: number;
}

/** TTL of the counters hash, refreshed by every write (also by the partition checkpoints that add to it). */
export const DETECTOR_COUNTERS_TTL_SECONDS = 7 * 86_400;

/** The service's counters, its storage mode and Redis memory readings: written by the detector, read by the gateway and the dashboard. */
export class DetectorStateRepository {
  constructor(private readonly redis: RedisClient) {}

  /** Adds deltas to the counters (HINCRBY); the hash keeps a TTL refreshed on every write. */
  async addCounters(deltas: Partial<DetectorCounters>): Promise<void> {
    const key = detectorCountersKey();
    const multi = this.redis.multi();
    for (const [name, delta] of Object.entries(deltas)) if (delta) multi.hincrby(key, name, delta);
    multi.expire(key, DETECTOR_COUNTERS_TTL_SECONDS);
    const replies = await multi.exec();
    const failed = replies?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  async counters(): Promise<DetectorCounters> {
    const hash = await this.redis.hgetall(detectorCountersKey());
    const counters = {} as DetectorCounters;
    for (const name of DETECTOR_COUNTERS) counters[name] = Number(hash[name] ?? 0);
    return counters;
  }

  /** INFO memory and INFO stats of the server (on a cluster: of the node ioredis picks). */
  async readMemory(fallbackMaxBytes: number): Promise<RedisMemoryReading> {
    const [memory, stats] = await Promise.all([this.redis.info('memory'), this.redis.info('stats')]);
    const fields = parseInfo(memory + stats);
    const usedBytes = Number(fields['used_memory'] ?? 0);
    const serverMax = Number(fields['maxmemory'] ?? 0);
    const maxBytes = serverMax > 0 ? serverMax : fallbackMaxBytes;
    return {
      usedBytes,
      maxBytes,
      usedPct: maxBytes > 0 ? (usedBytes / maxBytes) * 100 : 0,
      evictedKeys: Number(fields['evicted_keys'] ?? 0),
      policy: fields['maxmemory_policy'] ?? 'unknown',
    };
  }

  async writeStorageState(state: StorageState, ttlSeconds: number): Promise<void> {
    const key = storageStateKey();
    await this.redis
      .multi()
      .hset(key, {
        mode: state.mode,
        usedBytes: state.usedBytes,
        maxBytes: state.maxBytes,
        usedPct: state.usedPct.toFixed(2),
        evictedKeys: state.evictedKeys,
        policy: state.policy,
        updatedAt: state.updatedAt,
      })
      .expire(key, ttlSeconds)
      .exec();
  }

  /** The last storage state the detector wrote, or null when it is not running (the key expired). */
  async storageState(): Promise<StorageState | null> {
    const hash = await this.redis.hgetall(storageStateKey());
    if (!hash['mode']) return null;
    const mode = (STORAGE_MODES as readonly string[]).includes(hash['mode'])
      ? (hash['mode'] as StorageMode)
      : 'normal';
    return {
      mode,
      usedBytes: Number(hash['usedBytes']),
      maxBytes: Number(hash['maxBytes']),
      usedPct: Number(hash['usedPct']),
      evictedKeys: Number(hash['evictedKeys']),
      policy: hash['policy'] ?? 'unknown',
      updatedAt: Number(hash['updatedAt']),
    };
  }
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}
