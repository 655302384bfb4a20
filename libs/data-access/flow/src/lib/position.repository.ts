import type { RedisClient } from '@mdp/platform';
import type { ActivePosition, PositionMonitoring } from '@mdp/domain-flow';
import { positionsActiveKey, positionsMonitoringKey } from './flow.keys';

/** Replaces the value only if it is still what was read (the trading system may write meanwhile); keeps the TTL. */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1`;

/** Seed 002 positions: `positions:active:{symbol}` (owned by the trading system) and `positions:monitoring:{symbol}`. */
export class PositionRepository {
  constructor(private readonly redis: RedisClient) {}

  /** The raw JSON of each symbol's active position (absent when there is none). */
  async readActive(symbols: readonly string[]): Promise<Map<string, string>> {
    const values = await Promise.all(symbols.map((symbol) => this.redis.get(positionsActiveKey(symbol))));
    const found = new Map<string, string>();
    symbols.forEach((symbol, i) => {
      const value = values[i];
      if (value !== null && value !== undefined) found.set(symbol, value);
    });
    return found;
  }

  /** Writes the updated position if the key still holds `previousRaw`; false when it changed or went. */
  async updateActive(symbol: string, previousRaw: string, position: ActivePosition): Promise<boolean> {
    const result = await this.redis.eval(
      COMPARE_AND_SET,
      1,
      positionsActiveKey(symbol),
      previousRaw,
      JSON.stringify(position),
    );
    return result === 1;
  }

  async writeMonitoring(symbol: string, monitoring: PositionMonitoring, ttlSeconds: number): Promise<void> {
    await this.redis.set(positionsMonitoringKey(symbol), JSON.stringify(monitoring), 'EX', ttlSeconds);
  }
}
