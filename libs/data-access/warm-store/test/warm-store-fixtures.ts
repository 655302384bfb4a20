import path from 'node:path';
import { WORKSPACE_ROOT } from '@mdp/testing';

export const MIGRATIONS_DIR = path.join(WORKSPACE_ROOT, 'migrations');

/** 2023-11-14T00:00:00Z, a UTC midnight. */
export const DAY0 = Date.UTC(2023, 10, 14);
export const MINUTE = 60_000;

export interface CandleRow {
  time: number;
  symbol: string;
  exchange: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  notionalUsd: number;
  trades: number;
}

/**
 * Deterministic 1m candles over `minutes` minutes from `start` for a few symbols. Values are
 * multiples of 1/4, so float sums are exact whatever order a database adds them in.
 */
export function candleRows(start: number, minutes: number, symbols = ['BTC', 'ETH']): CandleRow[] {
  const rows: CandleRow[] = [];
  symbols.forEach((symbol, s) => {
    for (let m = 0; m < minutes; m++) {
      const base = 1_000 * (s + 1) + ((m * 7) % 50);
      rows.push({
        time: start + m * MINUTE,
        symbol,
        exchange: 'all',
        open: base,
        high: base + 3.5,
        low: base - 2.25,
        close: base + ((m % 5) - 2) * 0.75,
        volume: 1 + (m % 9) * 0.25,
        notionalUsd: base * 4,
        trades: 10 + (m % 13),
      });
    }
  });
  return rows;
}

/** One INSERT statement for the rows (runs the same on PostgreSQL and PGlite). */
export function insertCandlesSql(rows: CandleRow[]): string {
  const values = rows
    .map(
      (r) =>
        `('${new Date(r.time).toISOString()}', '${r.symbol}', '${r.exchange}', ${r.open}, ${r.high}, ${r.low}, ${r.close}, ${r.volume}, ${r.notionalUsd}, ${r.trades})`,
    )
    .join(',\n');
  return `INSERT INTO candles_1m (time, symbol, exchange, open, high, low, close, volume, notional_usd, trades) VALUES ${values} ON CONFLICT DO NOTHING`;
}
