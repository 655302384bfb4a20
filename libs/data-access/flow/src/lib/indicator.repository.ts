import type { RedisClient } from '@mdp/platform';
import type { IndicatorValues } from '@mdp/domain-flow';
import type { Timeframe } from '@mdp/schemas';
import { stocksIndicatorsKey } from './flow.keys';

/** Seed 002 `stocks:indicators:{symbol}`, plus the timeframe and candle they were computed on. */
export interface StoredIndicators {
  rsi_14: number | null;
  macd: number | null;
  macd_signal: number | null;
  bollinger_upper: number | null;
  bollinger_lower: number | null;
  bollinger_width: number | null;
  timeframe: Timeframe;
  candle_open_time: number;
  close: number;
  timestamp: string;
}

/** Writes and reads `stocks:indicators:{symbol}` (a JSON string with a TTL). */
export class IndicatorRepository {
  constructor(private readonly redis: RedisClient) {}

  static toStored(values: IndicatorValues, timeframe: Timeframe, now: number): StoredIndicators {
    return {
      rsi_14: values.rsi14,
      macd: values.macd,
      macd_signal: values.macdSignal,
      bollinger_upper: values.bollingerUpper,
      bollinger_lower: values.bollingerLower,
      bollinger_width: values.bollingerWidth,
      timeframe,
      candle_open_time: values.openTime,
      close: values.close,
      timestamp: new Date(now).toISOString(),
    };
  }

  async write(symbol: string, indicators: StoredIndicators, ttlSeconds: number): Promise<void> {
    await this.redis.set(stocksIndicatorsKey(symbol), JSON.stringify(indicators), 'EX', ttlSeconds);
  }

  async read(symbol: string): Promise<StoredIndicators | null> {
    const value = await this.redis.get(stocksIndicatorsKey(symbol));
    return value === null ? null : (JSON.parse(value) as StoredIndicators);
  }
}
