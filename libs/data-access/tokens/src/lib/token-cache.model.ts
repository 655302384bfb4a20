import type { VelocityTrend } from '@mdp/schemas';
import type { VelocityTimeframe } from './token-cache.keys';

/** `token:{id}`: the seed's fields (`id`, `symbol`, `price`, `market_cap`, `volume_24h`, `velocity`, `last_updated`) and more. */
export interface TokenCacheEntry {
  id: number;
  cmc_id: number;
  name: string;
  symbol: string;
  slug: string;
  rank: number | null;
  price: number;
  market_cap: number;
  volume_24h: number;
  percent_change_1h: number | null;
  percent_change_24h: number | null;
  percent_change_7d: number | null;
  velocity: number;
  trend: VelocityTrend;
  data_quality_score: number;
  /** Time of the quote (ISO-8601). */
  last_updated: string;
  /** True when the quote was older than the freshness limit: shown, but not as fresh data. */
  stale: boolean;
}

/** `velocity:{id}:{timeframe}`: the seed's example fields, plus which timeframe the key is for and its value. */
export interface VelocityCacheEntry {
  token_id: number;
  timeframe: VelocityTimeframe;
  velocity: number;
  velocity_1h: number;
  velocity_4h: number;
  velocity_12h: number;
  velocity_24h: number;
  velocity_7d: number;
  trend: VelocityTrend;
  data_quality_score: number;
  stale: boolean;
  /** Time of the quote the velocities were computed from (ISO-8601). */
  calculated_at: string;
}

/** One element of a `tokens:list:*` array. */
export interface TokenSummary {
  id: number;
  symbol: string;
  name: string;
  rank: number | null;
  price: number;
  market_cap: number;
  volume_24h: number;
  percent_change_24h: number | null;
  velocity: number;
  trend: VelocityTrend;
  last_updated: string;
  stale: boolean;
}
