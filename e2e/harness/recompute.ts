import type Redis from 'ioredis';
import { LiquidationStoreRepository, type LiquidationStats } from '@mdp/data-access-liquidation';
import { decodeFlowSnapshot, flowSnapshotKey } from '@mdp/data-access-flow';
import {
  FLOW_TIME_SERIES_STEP_MS,
  FLOW_WINDOW_MS,
  FlowWindowAccumulator,
  type FlowMetrics,
} from '@mdp/domain-flow';
import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import type { PipelineEnv } from './pipeline-env';

/** The detector's statistics of `symbol` over the hour from `base` (its minute buckets). */
export async function detectorStats(redis: Redis, symbol: string, base: number): Promise<LiquidationStats> {
  return new LiquidationStoreRepository(redis).stats(symbol, 60, base + 59 * 60_000);
}

/** The same statistics recomputed from the warm store's liquidations table over the same hour. */
export async function warmStats(
  env: PipelineEnv,
  symbol: string,
  base: number,
): Promise<{ total_count: number; buy_count: number; sell_count: number; total_volume: number }> {
  const { rows } = await env.pg.query<{ n: string; buys: string; sells: string; volume: number | null }>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE order_side = 'buy') AS buys,
            count(*) FILTER (WHERE order_side = 'sell') AS sells, sum(notional_usd) AS volume
       FROM liquidations WHERE symbol = $1 AND time >= to_timestamp($2 / 1000.0) AND time < to_timestamp($3 / 1000.0)`,
    [symbol, base, base + 3_600_000],
  );
  const row = rows[0]!;
  return {
    total_count: Number(row.n),
    buy_count: Number(row.buys),
    sell_count: Number(row.sells),
    total_volume: Number(row.volume ?? 0),
  };
}

export type SnapshotMetrics = FlowMetrics;

/**
 * The 1h window of `coin` starting at `base` recomputed from the events fed, in the order they were
 * published (stream order, as the aggregator adds them), with the aggregator's default bucket and
 * whale threshold of the coin: every metric, to the last bit of each float.
 */
export function recomputeFlowMetrics(
  coin: 'BTC' | 'ETH',
  base: number,
  trades: Iterable<TradeMessage>,
  liquidations: Iterable<LiquidationMessage>,
): FlowMetrics {
  const bucket = coin === 'BTC' ? 10 : 1; // FLOW_BUCKET_SIZES default
  const whale = coin === 'BTC' ? 100_000 : 50_000; // FLOW_WHALE_THRESHOLDS_USD default
  const window = new FlowWindowAccumulator(
    base,
    FLOW_WINDOW_MS['1h'],
    FLOW_TIME_SERIES_STEP_MS['1h'],
    bucket,
    whale,
  );
  for (const trade of trades) {
    if (trade.base === coin && trade.ts >= base && trade.ts < window.end)
      window.addTrade(trade.price, trade.size, trade.notionalUsd, trade.side, trade.ts);
  }
  for (const event of liquidations) {
    if (event.base === coin && event.ts >= base && event.ts < window.end)
      window.addLiquidation(event.price, event.size, event.positionSide, event.ts);
  }
  return window.toFlowData().metrics;
}

/** The flow aggregator's 1h snapshot of `coin` for the window starting at `base`, or null. */
export async function flowSnapshot(
  redis: Redis,
  coin: string,
  base: number,
): Promise<SnapshotMetrics | null> {
  const value = await redis.get(flowSnapshotKey(coin, '1h', base));
  if (value === null) return null;
  const parsed = JSON.parse(decodeFlowSnapshot(value)) as { data: { metrics: SnapshotMetrics } };
  return parsed.data.metrics;
}

/** Trades per coin counted by the warm store's closed 1m candles plus the live 1m candle in Redis. */
export async function candleTradeCount(env: PipelineEnv, coin: string): Promise<number> {
  const { rows } = await env.pg.query<{ n: string | null }>(
    `SELECT sum(trades) AS n FROM candles_1m WHERE symbol = $1`,
    [coin],
  );
  const [trades, closed] = await env.redis.hmget(`candle:current:1m:${coin}`, 'trades', 'closed');
  return Number(rows[0]!.n ?? 0) + (closed === '0' ? Number(trades ?? 0) : 0);
}
