import {
  TokenCacheRepository,
  tokenListKey,
  type TokenListSort,
  type TokenSnapshot,
  type TokenStoreRepository,
  type VelocityHistoryRow,
  type VelocityTimeframe,
} from '@mdp/data-access-tokens';
import type { AnswerCache } from '../answers/answer.cache';

/** A quote older than this when read back from the warm store is marked stale (the poller's default). */
export const TOKEN_STALE_AFTER_MS = 300_000;

export interface VelocityPoint {
  timestamp: string;
  velocity: number | null;
  velocity_1h: number | null;
  velocity_4h: number | null;
  velocity_12h: number | null;
  velocity_7d: number | null;
  price_usd: number | null;
  market_cap_usd: number | null;
  volume_24h_usd: number | null;
  data_quality_score: number | null;
}

/**
 * Token reads through the seed 003 caches: a hit answers the cached JSON bytes unchanged (one Redis GET);
 * a miss reads the warm store, fills the cache and answers the same JSON. Concurrent misses of one
 * key share a single warm-store read. Lists read from Redis are also kept in the process (AnswerCache,
 * dropped when the lists are invalidated).
 */
/** Which page of which list: the validated `GET /api/tokens` query. */
export interface TokenListPage {
  readonly sort: TokenListSort;
  readonly limit: number;
  readonly offset: number;
}

export class TokenReadService {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /**
   * The cache key of each remembered (frozen) page query: the validation memo hands out the same
   * object for the same query string, so its key is built once rather than per request.
   */
  private readonly listKeys = new WeakMap<TokenListPage, string>();

  constructor(
    private readonly cache: TokenCacheRepository,
    private readonly store: TokenStoreRepository,
    private readonly answers: AnswerCache,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The page kept in the process, or undefined (then `loadList` reads it). */
  keptList(page: TokenListPage): Buffer | undefined {
    let key = this.listKeys.get(page);
    if (key === undefined) {
      key = tokenListKey(page.sort, page.limit, page.offset);
      if (Object.isFrozen(page)) this.listKeys.set(page, key);
    }
    return this.answers.lookup(key, 'token-list');
  }

  /**
   * `tokens:list:{sort}:{limit}:{offset}` (300 s) read from Redis, or from the warm store and cached,
   * after `keptList` found none kept in the process (kept for ANSWER_CACHE_TTL_MS).
   */
  async loadList(sort: TokenListSort, limit: number, offset: number): Promise<Buffer | string> {
    const key = tokenListKey(sort, limit, offset);
    const cached = await this.answers.load(key, () => this.cache.getListBytes(sort, limit, offset));
    if (cached !== null) return cached;
    return this.once(`list:${sort}:${limit}:${offset}`, async () => {
      const page = await this.store.latestTokenPage(sort, limit, offset, this.clock(), TOKEN_STALE_AFTER_MS);
      return this.cache.setList(sort, limit, offset, page);
    });
  }

  /** `token:{id}` (60 s), or null for a token the warm store does not hold (or inactive). */
  async token(tokenId: number): Promise<Buffer | string | null> {
    const cached = await this.cache.getTokenBytes(tokenId);
    if (cached !== null) return cached;
    const snapshot = await this.refill(tokenId);
    return snapshot === null ? null : TokenCacheRepository.tokenJson(snapshot);
  }

  /** `velocity:{id}:{timeframe}` (300 s), or null for an unknown token. */
  async velocity(tokenId: number, timeframe: VelocityTimeframe): Promise<Buffer | string | null> {
    const cached = await this.cache.getVelocityBytes(tokenId, timeframe);
    if (cached !== null) return cached;
    const snapshot = await this.refill(tokenId);
    return snapshot === null ? null : TokenCacheRepository.velocityJson(snapshot, timeframe);
  }

  /** `token_metrics` of a token between start and end (epoch ms), oldest first; null for an unknown token. */
  async velocityHistory(
    tokenId: number,
    start: number,
    end: number,
    limit: number,
  ): Promise<VelocityPoint[] | null> {
    const rows = await this.store.velocityHistory(tokenId, start, end, limit);
    if (rows.length === 0 && !(await this.store.tokenExists(tokenId))) return null;
    return rows.map(toPoint);
  }

  /** Reads the token's latest metrics and writes `token:{id}` and its `velocity:{id}:*` keys. */
  private refill(tokenId: number): Promise<TokenSnapshot | null> {
    return this.once(`token:${tokenId}`, async () => {
      const snapshot = await this.store.latestToken(tokenId, this.clock(), TOKEN_STALE_AFTER_MS);
      if (snapshot !== null) await this.cache.writeTokens([snapshot]);
      return snapshot;
    });
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running as Promise<T>;
    const promise = load().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }
}

function toPoint(row: VelocityHistoryRow): VelocityPoint {
  return {
    timestamp: new Date(row.ts).toISOString(),
    velocity: row.velocity,
    velocity_1h: row.velocity_1h,
    velocity_4h: row.velocity_4h,
    velocity_12h: row.velocity_12h,
    velocity_7d: row.velocity_7d,
    price_usd: row.price_usd,
    market_cap_usd: row.market_cap_usd,
    volume_24h_usd: row.volume_24h_usd,
    data_quality_score: row.data_quality_score,
  };
}
