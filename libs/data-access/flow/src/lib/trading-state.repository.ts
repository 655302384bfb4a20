import type { RedisClient } from '@mdp/platform';
import {
  candidatesRankedKey,
  contextMarketKey,
  metricsPerformanceKey,
  positionsActiveKey,
  positionsMonitoringKey,
  stocksIndicatorsKey,
  stocksPriceKey,
  stocksSentimentKey,
  systemStateKey,
  tradingSignalKey,
  watchlistCurrentKey,
} from './flow.keys';

/** Seed 002 values kept per symbol. */
export const SYMBOL_STATE_KINDS = ['price', 'indicators', 'sentiment', 'position', 'monitoring'] as const;
export type SymbolStateKind = (typeof SYMBOL_STATE_KINDS)[number];

/** Seed 002 values kept once for the whole system. */
export const GLOBAL_STATE_KINDS = [
  'watchlist',
  'candidates',
  'system_state',
  'performance',
  'market_context',
] as const;
export type GlobalStateKind = (typeof GLOBAL_STATE_KINDS)[number];

const SYMBOL_KEYS: Record<SymbolStateKind, (symbol: string) => string> = {
  price: stocksPriceKey,
  indicators: stocksIndicatorsKey,
  sentiment: stocksSentimentKey,
  position: positionsActiveKey,
  monitoring: positionsMonitoringKey,
};

const GLOBAL_KEYS: Record<GlobalStateKind, () => string> = {
  watchlist: watchlistCurrentKey,
  candidates: candidatesRankedKey,
  system_state: systemStateKey,
  performance: metricsPerformanceKey,
  market_context: contextMarketKey,
};

/** The stored JSON of one symbol's values (null where absent). */
export interface SymbolStateJson {
  symbol: string;
  values: Record<SymbolStateKind, string | null>;
  /** Per signal type asked for. */
  signals: Record<string, string | null>;
}

/** Everything the trading model's context package is built from, as stored JSON (null where absent). */
export interface TradingContextJson {
  symbols: SymbolStateJson[];
  global: Record<GlobalStateKind, string | null>;
}

/**
 * Reads and writes the seed 002 trading-state keys as JSON strings (validated by the caller).
 * `ttlSeconds` 0 stores without expiry. The keys carry no hash tag (the seed's names), so a read of
 * several is one GET per key sent together: ioredis auto-pipelining makes that one round trip on a
 * single server and one per node on a cluster, where an MGET would fail across slots.
 */
export class TradingStateRepository {
  constructor(private readonly redis: RedisClient) {}

  static symbolKey(kind: SymbolStateKind, symbol: string): string {
    return SYMBOL_KEYS[kind](symbol);
  }

  static globalKey(kind: GlobalStateKind): string {
    return GLOBAL_KEYS[kind]();
  }

  readSymbol(kind: SymbolStateKind, symbol: string): Promise<string | null> {
    return this.redis.get(SYMBOL_KEYS[kind](symbol));
  }

  readSignal(signalType: string, symbol: string): Promise<string | null> {
    return this.redis.get(tradingSignalKey(signalType, symbol));
  }

  readGlobal(kind: GlobalStateKind): Promise<string | null> {
    return this.redis.get(GLOBAL_KEYS[kind]());
  }

  writeSymbol(kind: SymbolStateKind, symbol: string, json: string, ttlSeconds: number): Promise<void> {
    return this.set(SYMBOL_KEYS[kind](symbol), json, ttlSeconds);
  }

  writeSignal(signalType: string, symbol: string, json: string, ttlSeconds: number): Promise<void> {
    return this.set(tradingSignalKey(signalType, symbol), json, ttlSeconds);
  }

  writeGlobal(kind: GlobalStateKind, json: string, ttlSeconds: number): Promise<void> {
    return this.set(GLOBAL_KEYS[kind](), json, ttlSeconds);
  }

  /** Deletes one symbol's value (a closed position, a withdrawn signal); false when there was none. */
  async deleteSymbol(kind: SymbolStateKind, symbol: string): Promise<boolean> {
    return (await this.redis.del(SYMBOL_KEYS[kind](symbol))) === 1;
  }

  async deleteSignal(signalType: string, symbol: string): Promise<boolean> {
    return (await this.redis.del(tradingSignalKey(signalType, symbol))) === 1;
  }

  /** Every value of the context package in one round trip (one GET per key, auto-pipelined). */
  async context(symbols: readonly string[], signalTypes: readonly string[]): Promise<TradingContextJson> {
    const reads: Array<Promise<string | null>> = [];
    for (const kind of GLOBAL_STATE_KINDS) reads.push(this.redis.get(GLOBAL_KEYS[kind]()));
    for (const symbol of symbols) {
      for (const kind of SYMBOL_STATE_KINDS) reads.push(this.redis.get(SYMBOL_KEYS[kind](symbol)));
      for (const type of signalTypes) reads.push(this.redis.get(tradingSignalKey(type, symbol)));
    }
    const values = await Promise.all(reads);
    let i = 0;
    const global = {} as Record<GlobalStateKind, string | null>;
    for (const kind of GLOBAL_STATE_KINDS) global[kind] = values[i++] ?? null;
    const perSymbol: SymbolStateJson[] = [];
    for (const symbol of symbols) {
      const state = {} as Record<SymbolStateKind, string | null>;
      for (const kind of SYMBOL_STATE_KINDS) state[kind] = values[i++] ?? null;
      const signals: Record<string, string | null> = {};
      for (const type of signalTypes) signals[type] = values[i++] ?? null;
      perSymbol.push({ symbol, values: state, signals });
    }
    return { symbols: perSymbol, global };
  }

  private async set(key: string, json: string, ttlSeconds: number): Promise<void> {
    if (ttlSeconds > 0) await this.redis.set(key, json, 'EX', ttlSeconds);
    else await this.redis.set(key, json);
  }
}
