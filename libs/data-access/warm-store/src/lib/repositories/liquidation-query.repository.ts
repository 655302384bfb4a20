import type { SqlSession } from '../sql/sql-session';

/** A stored liquidation as the history answers it (LiquidationMessage field names; times in epoch ms). */
export interface LiquidationHistoryRow {
  ts: number;
  eventId: string;
  exchange: string;
  market: string;
  symbol: string;
  base: string;
  quote: string;
  venueSymbol: string;
  positionSide: string;
  orderSide: string;
  price: number;
  priceKind: string;
  size: number;
  notionalUsd: number;
  /** `sampled_1s` (Binance forceOrder: at most one per symbol per second) undercounts bursts. */
  completeness: string;
  backfill: boolean;
  recvTs: number;
}

/** A stored liquidation signal (LiquidationSignalMessage field names; `ts` in epoch ms). */
export interface LiquidationSignalRow {
  signalId: string;
  symbol: string;
  side: string;
  entryReason: string;
  vwap: number;
  vwapDeviation: number;
  liquidationSize: number;
  liquidationEventId: string;
  price: number;
  ts: number;
}

const MS = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** Reads liquidations and liquidation signals back from the warm store (indexes: symbol, time DESC). */
export class LiquidationQueryRepository {
  constructor(private readonly session: SqlSession) {}

  static readonly historySql = `SELECT ${MS('time')} AS ts, event_id AS "eventId", exchange, market, symbol, base, quote,
           venue_symbol AS "venueSymbol", position_side AS "positionSide", order_side AS "orderSide", price,
           price_kind AS "priceKind", size, notional_usd AS "notionalUsd", completeness, backfill,
           ${MS('recv_time')} AS "recvTs"
      FROM liquidations
     WHERE symbol = $1 AND time >= to_timestamp($2::float8 / 1000.0) AND time <= to_timestamp($3::float8 / 1000.0)
     ORDER BY time, event_id
     LIMIT $4`;

  static readonly signalsSql = `SELECT signal_id AS "signalId", symbol, side, entry_reason AS "entryReason", vwap,
           vwap_deviation AS "vwapDeviation", liquidation_size AS "liquidationSize",
           liquidation_event_id AS "liquidationEventId", price, ${MS('time')} AS ts
      FROM liquidation_signals
     WHERE ($1::text IS NULL OR symbol = $1)
     ORDER BY time DESC, signal_id DESC
     LIMIT $2`;

  /** Liquidations of `symbol` with start <= time <= end (epoch ms), oldest first, at most `limit`. */
  async history(
    symbol: string,
    startMs: number,
    endMs: number,
    limit: number,
  ): Promise<LiquidationHistoryRow[]> {
    const { rows } = await this.session.query<LiquidationHistoryRow>(LiquidationQueryRepository.historySql, [
      symbol,
      startMs,
      endMs,
      limit,
    ]);
    return rows;
  }

  /** The newest signals, of one symbol or of all (`symbol` null), newest first. */
  async recentSignals(symbol: string | null, limit: number): Promise<LiquidationSignalRow[]> {
    const { rows } = await this.session.query<LiquidationSignalRow>(LiquidationQueryRepository.signalsSql, [
      symbol,
      limit,
    ]);
    return rows;
  }
}
