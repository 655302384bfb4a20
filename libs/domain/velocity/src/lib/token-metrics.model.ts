import type { VelocityTrend } from '@mdp/schemas';
import type { ValidatedListing } from './validated-listing.model';

/** One token's metrics after a poll: the listing, its velocities, trend and quality. */
export interface TokenMetrics {
  /** tokens.id: the CoinMarketCap id (stable, unique, so no mapping table is needed). */
  tokenId: number;
  listing: ValidatedListing;
  /** Quote time, epoch ms (token_metrics.timestamp). */
  ts: number;
  velocity: number;
  velocity1h: number;
  velocity4h: number;
  velocity12h: number;
  velocity7d: number;
  trend: VelocityTrend;
  recentAverage: number | null;
  olderAverage: number | null;
  dataQualityScore: number;
  /** Every issue: validation, outliers (`price_outlier`, ...), `stale`. */
  issues: string[];
  /** Fields flagged as outliers against the token's history. */
  outliers: string[];
  /** The quote is older than the freshness limit. */
  stale: boolean;
  /** Age of the quote when processed, ms. */
  ageMs: number;
  /** Same quote time as the last sample: already stored, no new row. */
  duplicate: boolean;
}
