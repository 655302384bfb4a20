import type { LiquidationMessage } from '@mdp/schemas';
import type { StorageMode } from '@mdp/domain-liquidation';
import { RedisScript, type RedisClient } from '@mdp/platform';
import { liquidationEventsKey, liquidationStatsKey, liquidationSymbolsKey } from './liquidation-keys';
import {
  decodeStoredLiquidation,
  encodeStoredLiquidation,
  type StoredLiquidation,
} from './liquidation-record';

export interface LiquidationRetention {
  /** TTL and trim horizon of the events set in normal mode, seconds (24 h). */
  normalSeconds: number;
  /** ... in reduced mode, and what aggressive cleanup trims to (1 h). */
  reducedSeconds: number;
  /** Most events kept per symbol by an aggressive cleanup. */
  aggressiveMaxPerSymbol: number;
}

export const DEFAULT_RETENTION: LiquidationRetention = {
  normalSeconds: 86_400,
  reducedSeconds: 3_600,
  aggressiveMaxPerSymbol: 1_000,
};

/** Statistics of one symbol over a window (the seed's get_liquidation_stats). */
export interface LiquidationStats {
  symbol: string;
  windowMinutes: number;
  total_count: number;
  total_volume: number;
  buy_count: number;
  buy_volume: number;
  sell_count: number;
  sell_volume: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Minute buckets live a little over 2 h (windows up to 120 min read them), hour buckets a little over 24 h. */
const MINUTE_BUCKET_TTL_SECONDS = 2 * 3600 + 300;
const HOUR_BUCKET_TTL_SECONDS = 25 * 3600;
const SYMBOLS_TTL_SECONDS = 25 * 3600;

/**
 * One symbol's batch in one script: ZADD NX of each record (so a redelivered liquidation is not
 * counted twice), and for each newly added one HINCRBY / HINCRBYFLOAT of its minute and hour
 * statistics buckets. Every key carries the symbol's hash tag. Returns how many were new.
 * KEYS: events, minute buckets..., hour buckets...
 * ARGV: eventsTtl, minuteTtl, hourTtl, minuteKeyCount, n, then per event: member, score, side, notional, minuteKeyIdx, hourKeyIdx
 */
const STORE_BATCH = new RedisScript(`
local eventsTtl, minuteTtl, hourTtl = ARGV[1], ARGV[2], ARGV[3]
local minuteKeys = tonumber(ARGV[4])
local n = tonumber(ARGV[5])
local added = 0
for i = 0, n - 1 do
  local b = 6 + i * 6
  if redis.call('ZADD', KEYS[1], 'NX', ARGV[b + 1], ARGV[b]) == 1 then
    added = added + 1
    local side, notional = ARGV[b + 2], ARGV[b + 3]
    for _, idx in ipairs({ tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5]) }) do
      local key = KEYS[idx]
      redis.call('HINCRBY', key, 'count', 1)
      redis.call('HINCRBYFLOAT', key, 'volume', notional)
      redis.call('HINCRBY', key, side .. '_count', 1)
      redis.call('HINCRBYFLOAT', key, side .. '_volume', notional)
    end
  end
end
redis.call('EXPIRE', KEYS[1], eventsTtl)
for k = 2, #KEYS do
  if k <= 1 + minuteKeys then redis.call('EXPIRE', KEYS[k], minuteTtl) else redis.call('EXPIRE', KEYS[k], hourTtl) end
end
return added
`);

/**
 * Accepted liquidations and their statistics in Redis (the seed's add_liquidations_batch,
 * get_liquidation_stats and cleanup_old_data). Written by the detector, read by the gateway and
 * the dashboard. A batch is written as one script per symbol, all sent in one pipeline round trip.
 */
export class LiquidationStoreRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly retention: LiquidationRetention = DEFAULT_RETENTION,
  ) {}

  /** Stores a batch; returns how many were new (a redelivered one is skipped). Throws when Redis refuses (OOM, connection). */
  async storeBatch(liquidations: readonly LiquidationMessage[], mode: StorageMode): Promise<number> {
    if (liquidations.length === 0) return 0;
    const bySymbol = new Map<string, LiquidationMessage[]>();
    for (const liquidation of liquidations) {
      const list = bySymbol.get(liquidation.symbol);
      if (list) list.push(liquidation);
      else bySymbol.set(liquidation.symbol, [liquidation]);
    }
    const eventsTtl = mode === 'normal' ? this.retention.normalSeconds : this.retention.reducedSeconds;
    const runs = [...bySymbol].map(([symbol, list]) => {
      const minuteKeys = new Map<number, number>();
      const hourKeys = new Map<number, number>();
      for (const liquidation of list) {
        minuteKeys.set(Math.floor(liquidation.ts / MINUTE) * MINUTE, 0);
        hourKeys.set(Math.floor(liquidation.ts / HOUR) * HOUR, 0);
      }
      const keys = [liquidationEventsKey(symbol)];
      for (const start of minuteKeys.keys()) {
        minuteKeys.set(start, keys.length + 1);
        keys.push(liquidationStatsKey(symbol, '1m', start));
      }
      for (const start of hourKeys.keys()) {
        hourKeys.set(start, keys.length + 1);
        keys.push(liquidationStatsKey(symbol, '1h', start));
      }
      const args: Array<string | number> = [
        eventsTtl,
        MINUTE_BUCKET_TTL_SECONDS,
        HOUR_BUCKET_TTL_SECONDS,
        minuteKeys.size,
        list.length,
      ];
      for (const liquidation of list) {
        args.push(
          encodeStoredLiquidation(liquidation, mode),
          liquidation.ts,
          liquidation.orderSide,
          liquidation.notionalUsd,
          minuteKeys.get(Math.floor(liquidation.ts / MINUTE) * MINUTE)!,
          hourKeys.get(Math.floor(liquidation.ts / HOUR) * HOUR)!,
        );
      }
      return STORE_BATCH.run(this.redis, keys, args);
    });
    const symbolsKey = liquidationSymbolsKey();
    const registered = this.redis
      .multi()
      .sadd(symbolsKey, ...bySymbol.keys())
      .expire(symbolsKey, SYMBOLS_TTL_SECONDS)
      .exec();
    const results = await Promise.all(runs);
    const replies = await registered;
    const failed = replies?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
    return results.reduce<number>((sum, added) => sum + Number(added), 0);
  }

  /** Count, volume and buy/sell counts and volumes of `symbol` over the last `windowMinutes` (minute buckets up to 120 min, hour buckets beyond). */
  async stats(symbol: string, windowMinutes = 60, now = Date.now()): Promise<LiquidationStats> {
    const keys: string[] = [];
    if (windowMinutes <= 120) {
      const newest = Math.floor(now / MINUTE);
      for (let m = newest - windowMinutes + 1; m <= newest; m++)
        keys.push(liquidationStatsKey(symbol, '1m', m * MINUTE));
    } else {
      const newest = Math.floor(now / HOUR);
      for (let h = newest - Math.ceil(windowMinutes / 60) + 1; h <= newest; h++)
        keys.push(liquidationStatsKey(symbol, '1h', h * HOUR));
    }
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetall(key);
    const replies = (await pipeline.exec()) ?? [];
    const stats: LiquidationStats = {
      symbol,
      windowMinutes,
      total_count: 0,
      total_volume: 0,
      buy_count: 0,
      buy_volume: 0,
      sell_count: 0,
      sell_volume: 0,
    };
    for (const [error, value] of replies) {
      if (error) throw error;
      const hash = value as Record<string, string>;
      stats.total_count += Number(hash['count'] ?? 0);
      stats.total_volume += Number(hash['volume'] ?? 0);
      stats.buy_count += Number(hash['buy_count'] ?? 0);
      stats.buy_volume += Number(hash['buy_volume'] ?? 0);
      stats.sell_count += Number(hash['sell_count'] ?? 0);
      stats.sell_volume += Number(hash['sell_volume'] ?? 0);
    }
    return stats;
  }

  /** The newest stored liquidations of a symbol, newest first. */
  async recent(symbol: string, limit = 100): Promise<StoredLiquidation[]> {
    const members = await this.redis.zrevrange(liquidationEventsKey(symbol), 0, limit - 1);
    return members.map((member) => decodeStoredLiquidation(member, symbol));
  }

  async count(symbol: string): Promise<number> {
    return this.redis.zcard(liquidationEventsKey(symbol));
  }

  async symbols(): Promise<string[]> {
    return (await this.redis.smembers(liquidationSymbolsKey())).sort();
  }

  /**
   * Removes stored liquidations older than the retention of `mode` (the seed's cleanup_old_data);
   * `aggressive` trims to the reduced retention and to `aggressiveMaxPerSymbol` events per symbol.
   * Returns how many were removed.
   */
  async cleanup({
    now = Date.now(),
    mode = 'normal',
    aggressive = false,
  }: { now?: number; mode?: StorageMode; aggressive?: boolean } = {}): Promise<number> {
    const symbols = await this.symbols();
    const horizonSeconds =
      aggressive || mode !== 'normal' ? this.retention.reducedSeconds : this.retention.normalSeconds;
    let removed = 0;
    for (const symbol of symbols) {
      const key = liquidationEventsKey(symbol);
      removed += await this.redis.zremrangebyscore(key, '-inf', `(${now - horizonSeconds * 1000}`);
      if (aggressive)
        removed += await this.redis.zremrangebyrank(key, 0, -this.retention.aggressiveMaxPerSymbol - 1);
    }
    return removed;
  }
}
