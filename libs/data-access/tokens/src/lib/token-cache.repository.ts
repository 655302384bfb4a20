import { isCluster, type RedisClient } from '@mdp/platform';
import {
  TOKEN_LISTS_INVALIDATED_CHANNEL,
  TOKEN_LIST_INDEX_KEY,
  TOKEN_LIST_TTL_SECONDS,
  TOKEN_TTL_SECONDS,
  VELOCITY_TIMEFRAMES,
  VELOCITY_TTL_SECONDS,
  tokenKey,
  tokenListKey,
  velocityKey,
  type TokenListSort,
  type VelocityTimeframe,
} from './token-cache.keys';
import type { TokenCacheEntry, TokenSummary, VelocityCacheEntry } from './token-cache.model';
import type { TokenSnapshot } from './token-snapshot.model';

type Command = [string, ...Array<string | number>];

const SET_BATCH = 1_000;
/** KEYS: the keys; ARGV[1]: the TTL in seconds; ARGV[i + 1]: the value of KEYS[i]. */
const SET_MANY_SCRIPT =
  "local ttl = ARGV[1] for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ttl) end return #KEYS";

/**
 * The seed 003 token caches in Redis: `token:{id}` (60 s), `velocity:{id}:{timeframe}` (300 s) and
 * `tokens:list:{sort}:{limit}:{offset}` (300 s). The poller writes tokens and velocities after each
 * poll and invalidates every list; the gateway reads them (and fills lists on a miss with `setList`).
 * Every list key written is remembered in the `tokens:lists` set, so invalidation deletes exactly
 * those keys without scanning the keyspace. Works on a standalone Redis (one pipeline) and on a
 * cluster (the keys live in different slots, so commands go one by one, auto-pipelined per node).
 */
export class TokenCacheRepository {
  constructor(private readonly redis: RedisClient) {}

  /** Writes `token:{id}` and the five `velocity:{id}:{timeframe}` keys of each snapshot. */
  async writeTokens(snapshots: readonly TokenSnapshot[]): Promise<number> {
    const tokenKeys: string[] = [];
    const tokenValues: string[] = [];
    const velocityKeys: string[] = [];
    const velocityValues: string[] = [];
    for (const snapshot of snapshots) {
      tokenKeys.push(tokenKey(snapshot.tokenId));
      tokenValues.push(JSON.stringify(toTokenEntry(snapshot)));
      // The five velocity entries differ only in timeframe and velocity: the rest is serialized once.
      const rest = JSON.stringify(toVelocityRest(snapshot)).slice(1);
      for (const timeframe of VELOCITY_TIMEFRAMES) {
        velocityKeys.push(velocityKey(snapshot.tokenId, timeframe));
        velocityValues.push(
          `{"token_id":${snapshot.tokenId},"timeframe":"${timeframe}","velocity":${JSON.stringify(velocityOf(snapshot, timeframe))},${rest}`,
        );
      }
    }
    await Promise.all([
      this.setMany(tokenKeys, tokenValues, TOKEN_TTL_SECONDS),
      this.setMany(velocityKeys, velocityValues, VELOCITY_TTL_SECONDS),
    ]);
    return tokenKeys.length + velocityKeys.length;
  }

  /**
   * Deletes every `tokens:list:*` key written through this repository and announces it on
   * TOKEN_LISTS_INVALIDATED_CHANNEL (always: a reader may keep a list in memory); returns how many existed.
   */
  async invalidateLists(): Promise<number> {
    const keys = await this.redis.smembers(TOKEN_LIST_INDEX_KEY);
    let removed = 0;
    if (keys.length > 0) {
      const commands: Command[] = keys.map((key) => ['unlink', key]);
      commands.push(['srem', TOKEN_LIST_INDEX_KEY, ...keys]);
      const results = await this.run(commands);
      for (let i = 0; i < keys.length; i++) removed += Number(results[i] ?? 0);
    }
    await this.redis.publish(TOKEN_LISTS_INVALIDATED_CHANNEL, String(removed));
    return removed;
  }

  async getToken(tokenId: number): Promise<TokenCacheEntry | null> {
    const raw = await this.redis.get(tokenKey(tokenId));
    return raw === null ? null : (JSON.parse(raw) as TokenCacheEntry);
  }

  async getVelocity(tokenId: number, timeframe: VelocityTimeframe): Promise<VelocityCacheEntry | null> {
    const raw = await this.redis.get(velocityKey(tokenId, timeframe));
    return raw === null ? null : (JSON.parse(raw) as VelocityCacheEntry);
  }

  async getList(sort: TokenListSort, limit: number, offset: number): Promise<TokenSummary[] | null> {
    const raw = await this.redis.get(tokenListKey(sort, limit, offset));
    return raw === null ? null : (JSON.parse(raw) as TokenSummary[]);
  }

  /** The JSON bytes of `token:{id}` as cached (for answering them unchanged), or null. */
  getTokenBytes(tokenId: number): Promise<Buffer | null> {
    return this.redis.getBuffer(tokenKey(tokenId));
  }

  /** The JSON bytes of `velocity:{id}:{timeframe}` as cached, or null. */
  getVelocityBytes(tokenId: number, timeframe: VelocityTimeframe): Promise<Buffer | null> {
    return this.redis.getBuffer(velocityKey(tokenId, timeframe));
  }

  /** The JSON array bytes of `tokens:list:{sort}:{limit}:{offset}` as cached, or null. */
  getListBytes(sort: TokenListSort, limit: number, offset: number): Promise<Buffer | null> {
    return this.redis.getBuffer(tokenListKey(sort, limit, offset));
  }

  /** The JSON `writeTokens` caches under `token:{id}` for a snapshot. */
  static tokenJson(snapshot: TokenSnapshot): string {
    return JSON.stringify(toTokenEntry(snapshot));
  }

  /** The JSON `writeTokens` caches under `velocity:{id}:{timeframe}` for a snapshot. */
  static velocityJson(snapshot: TokenSnapshot, timeframe: VelocityTimeframe): string {
    return `{"token_id":${snapshot.tokenId},"timeframe":"${timeframe}","velocity":${JSON.stringify(velocityOf(snapshot, timeframe))},${JSON.stringify(toVelocityRest(snapshot)).slice(1)}`;
  }

  /** Caches one page of a list (300 s) and records its key for invalidation; returns the JSON cached. */
  async setList(
    sort: TokenListSort,
    limit: number,
    offset: number,
    snapshots: readonly TokenSnapshot[],
  ): Promise<string> {
    const key = tokenListKey(sort, limit, offset);
    const json = JSON.stringify(snapshots.map(toSummary));
    await this.run([
      ['set', key, json, 'EX', TOKEN_LIST_TTL_SECONDS],
      ['sadd', TOKEN_LIST_INDEX_KEY, key],
      ['expire', TOKEN_LIST_INDEX_KEY, TOKEN_LIST_TTL_SECONDS],
    ]);
    return json;
  }

  /**
   * SET key value EX ttl for many keys. On a standalone Redis, in scripts of SET_BATCH keys (one
   * round trip and one script call per batch: about 3x faster than a pipeline of SETs, measured); on
   * a cluster, where one script cannot touch keys of several slots, command by command.
   */
  private async setMany(keys: string[], values: string[], ttlSeconds: number): Promise<void> {
    if (isCluster(this.redis)) {
      const commands: Command[] = keys.map((key, i) => ['set', key, values[i]!, 'EX', ttlSeconds]);
      await this.run(commands);
      return;
    }
    const calls: Array<Promise<unknown>> = [];
    for (let start = 0; start < keys.length; start += SET_BATCH) {
      const end = Math.min(keys.length, start + SET_BATCH);
      const args: Array<string | number> = [SET_MANY_SCRIPT, end - start];
      for (let i = start; i < end; i++) args.push(keys[i]!);
      args.push(ttlSeconds);
      for (let i = start; i < end; i++) args.push(values[i]!);
      calls.push(this.redis.call('eval', ...args));
    }
    await Promise.all(calls);
  }

  private async run(commands: Command[]): Promise<unknown[]> {
    if (commands.length === 0) return [];
    if (isCluster(this.redis)) {
      return Promise.all(commands.map(([name, ...args]) => this.redis.call(name, ...args)));
    }
    const results = (await this.redis.pipeline(commands).exec()) ?? [];
    const values: unknown[] = new Array<unknown>(results.length);
    for (let i = 0; i < results.length; i++) {
      const [error, value] = results[i]!;
      if (error) throw error;
      values[i] = value;
    }
    return values;
  }
}

function iso(ts: number): string {
  return new Date(ts).toISOString();
}

function toTokenEntry(s: TokenSnapshot): TokenCacheEntry {
  return {
    id: s.tokenId,
    cmc_id: s.cmcId,
    name: s.name,
    symbol: s.symbol,
    slug: s.slug,
    rank: s.cmcRank,
    price: s.priceUsd,
    market_cap: s.marketCapUsd,
    volume_24h: s.volume24hUsd,
    percent_change_1h: s.percentChange1h,
    percent_change_24h: s.percentChange24h,
    percent_change_7d: s.percentChange7d,
    velocity: s.velocity,
    trend: s.trend,
    data_quality_score: s.dataQualityScore,
    last_updated: iso(s.ts),
    stale: s.stale,
  };
}

/** A velocity entry without its first three fields (`token_id`, `timeframe`, `velocity`), which come first in the JSON. */
function toVelocityRest(s: TokenSnapshot): Omit<VelocityCacheEntry, 'token_id' | 'timeframe' | 'velocity'> {
  return {
    velocity_1h: s.velocity1h,
    velocity_4h: s.velocity4h,
    velocity_12h: s.velocity12h,
    velocity_24h: s.velocity,
    velocity_7d: s.velocity7d,
    trend: s.trend,
    data_quality_score: s.dataQualityScore,
    stale: s.stale,
    calculated_at: iso(s.ts),
  };
}

function velocityOf(s: TokenSnapshot, timeframe: VelocityTimeframe): number {
  switch (timeframe) {
    case '1h':
      return s.velocity1h;
    case '4h':
      return s.velocity4h;
    case '12h':
      return s.velocity12h;
    case '24h':
      return s.velocity;
    case '7d':
      return s.velocity7d;
  }
}

function toSummary(s: TokenSnapshot): TokenSummary {
  return {
    id: s.tokenId,
    symbol: s.symbol,
    name: s.name,
    rank: s.cmcRank,
    price: s.priceUsd,
    market_cap: s.marketCapUsd,
    volume_24h: s.volume24hUsd,
    percent_change_24h: s.percentChange24h,
    velocity: s.velocity,
    trend: s.trend,
    last_updated: iso(s.ts),
    stale: s.stale,
  };
}
