import type { Timeframe } from '@mdp/schemas';
import type { SqlSession } from '../sql/sql-session';

export interface StoredCandle {
  symbol: string;
  exchange: string;
  /** Period start, epoch ms. */
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  notionalUsd: number;
  trades: number;
  /** How many 1m candles the period holds (1 for a 1m candle). */
  candles: number;
}

/** Where each timeframe lives: the 1m table, or an aggregate (continuous aggregate or materialized view). */
export const CANDLE_SOURCES: Record<Timeframe, { relation: string; timeColumn: string }> = {
  '1m': { relation: 'candles_1m', timeColumn: 'time' },
  '5m': { relation: 'candles_5m', timeColumn: 'bucket' },
  '15m': { relation: 'candles_15m', timeColumn: 'bucket' },
  '1h': { relation: 'candles_1h', timeColumn: 'bucket' },
  '4h': { relation: 'candles_4h', timeColumn: 'bucket' },
  '1d': { relation: 'candles_1d', timeColumn: 'bucket' },
};

/** Reads candles of any timeframe from the warm store; the same SQL in both modes. */
export class CandleQueryRepository {
  constructor(private readonly session: SqlSession) {}

  /** The SQL of a range query (exposed for EXPLAIN). Parameters: symbol, exchange, from (ms), to (ms, exclusive). */
  static rangeSql(timeframe: Timeframe): string {
    const { relation, timeColumn } = CANDLE_SOURCES[timeframe];
    const candles = timeframe === '1m' ? '1' : 'candles';
    return `SELECT symbol, exchange, (extract(epoch FROM ${timeColumn}) * 1000)::float8 AS "openTime",
                   open, high, low, close, volume, notional_usd::float8 AS "notionalUsd",
                   trades::float8 AS trades, ${candles}::float8 AS candles
              FROM ${relation}
             WHERE symbol = $1 AND exchange = $2
               AND ${timeColumn} >= to_timestamp($3::float8 / 1000.0) AND ${timeColumn} < to_timestamp($4::float8 / 1000.0)
             ORDER BY ${timeColumn}`;
  }

  /**
   * The SQL of the latest-candles query: the newest `$5` periods with from <= open < to, newest first
   * (the caller reverses). Parameters: symbol, exchange, from (ms), to (ms, exclusive), limit.
   */
  static latestSql(timeframe: Timeframe): string {
    const { timeColumn } = CANDLE_SOURCES[timeframe];
    return CandleQueryRepository.rangeSql(timeframe).replace(
      `ORDER BY ${timeColumn}`,
      `ORDER BY ${timeColumn} DESC LIMIT $5`,
    );
  }

  /** The newest `limit` candles with fromMs <= openTime < toMs, oldest first (for charts: the end of a range). */
  async latest(
    timeframe: Timeframe,
    symbol: string,
    exchange: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<StoredCandle[]> {
    const { rows } = await this.session.query<StoredCandle>(CandleQueryRepository.latestSql(timeframe), [
      symbol,
      exchange,
      fromMs,
      toMs,
      limit,
    ]);
    return rows.reverse();
  }

  async range(
    timeframe: Timeframe,
    symbol: string,
    exchange: string,
    fromMs: number,
    toMs: number,
  ): Promise<StoredCandle[]> {
    const { rows } = await this.session.query<StoredCandle>(CandleQueryRepository.rangeSql(timeframe), [
      symbol,
      exchange,
      fromMs,
      toMs,
    ]);
    return rows.map((row) => ({ ...row }));
  }
}
