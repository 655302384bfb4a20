import type { VelocityTrend } from '@mdp/schemas';

/** A token's latest state, as cached and as read back from the warm store for cache warming. */
export interface TokenSnapshot {
  tokenId: number;
  cmcId: number;
  name: string;
  symbol: string;
  slug: string;
  cmcRank: number | null;
  /** Quote time, epoch ms. */
  ts: number;
  priceUsd: number;
  marketCapUsd: number;
  volume24hUsd: number;
  percentChange1h: number | null;
  percentChange24h: number | null;
  percentChange7d: number | null;
  velocity: number;
  velocity1h: number;
  velocity4h: number;
  velocity12h: number;
  velocity7d: number;
  trend: VelocityTrend;
  dataQualityScore: number;
  /** The quote was older than the freshness limit when cached. */
  stale: boolean;
}
