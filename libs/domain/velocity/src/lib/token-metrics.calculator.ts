import { scoreDataQuality } from './data-quality.util';
import { DEFAULT_OUTLIER_OPTIONS, detectOutlier, type OutlierOptions } from './outlier.util';
import type { TokenMetrics } from './token-metrics.model';
import type { ValidatedListing } from './validated-listing.model';
import { VelocityHistory } from './velocity-history';
import { classifyVelocityTrend } from './velocity-trend.util';
import { calculateVelocity } from './velocity.util';

export interface TokenMetricsCalculatorOptions {
  /** A quote older than this (ms) when processed is stale: flagged, scored down, never served as fresh. */
  staleAfterMs: number;
  outlier?: OutlierOptions;
}

/**
 * Turns validated listings into token metrics: velocity (seed formula), the 1h/4h/12h/7d window
 * velocities and the trend from the token's history, outlier flags against that history, freshness
 * and the data-quality score. Pure: the history is in memory (`VelocityHistory`), loaded by the caller.
 */
export class TokenMetricsCalculator {
  readonly history: VelocityHistory;
  private readonly outlier: OutlierOptions;

  constructor(
    private readonly options: TokenMetricsCalculatorOptions,
    history = new VelocityHistory(),
  ) {
    this.history = history;
    this.outlier = options.outlier ?? DEFAULT_OUTLIER_OPTIONS;
  }

  /**
   * The metrics of one listing against the history so far. The history is not changed: call
   * `commit` with the metrics once they are stored, so a poll that fails to store leaves no trace
   * (its quotes are not taken for duplicates next time).
   */
  calculate(listing: ValidatedListing, nowMs: number): TokenMetrics {
    const tokenId = listing.cmcId;
    const ts = listing.lastUpdated;
    const velocity = calculateVelocity(listing.volume24hUsd, listing.marketCapUsd);
    const issues = listing.issues.slice();
    const outliers: string[] = [];
    const lastTs = this.history.lastTs(tokenId);
    const duplicate = lastTs !== null && ts <= lastTs;
    if (!duplicate) {
      const recent = this.history.recentValues(tokenId);
      if (detectOutlier(listing.priceUsd, recent.price, this.outlier).outlier) outliers.push('price');
      if (detectOutlier(listing.marketCapUsd, recent.marketCap, this.outlier).outlier)
        outliers.push('market_cap');
      if (detectOutlier(listing.volume24hUsd, recent.volume, this.outlier).outlier)
        outliers.push('volume_24h');
      for (const field of outliers) issues.push(`${field}_outlier`);
    }
    const ageMs = nowMs - ts;
    const stale = ageMs > this.options.staleAfterMs;
    if (stale) issues.push('stale');
    const trend = classifyVelocityTrend(velocity, this.history.previousVelocities(tokenId, ts, 6));
    const pending = duplicate ? null : velocity;
    return {
      tokenId,
      listing,
      ts,
      velocity,
      velocity1h: this.history.windowAverage(tokenId, ts, '1h', pending) ?? velocity,
      velocity4h: this.history.windowAverage(tokenId, ts, '4h', pending) ?? velocity,
      velocity12h: this.history.windowAverage(tokenId, ts, '12h', pending) ?? velocity,
      velocity7d: this.history.windowAverage(tokenId, ts, '7d', pending) ?? velocity,
      trend: trend.trend,
      recentAverage: trend.recentAverage,
      olderAverage: trend.olderAverage,
      dataQualityScore: scoreDataQuality(issues),
      issues,
      outliers,
      stale,
      ageMs,
      duplicate,
    };
  }

  /** Adds the stored metrics to the history (duplicates are skipped). */
  commit(metrics: readonly TokenMetrics[]): void {
    for (const m of metrics) {
      if (m.duplicate) continue;
      this.history.add(m.tokenId, {
        ts: m.ts,
        velocity: m.velocity,
        priceUsd: m.listing.priceUsd,
        marketCapUsd: m.listing.marketCapUsd,
        volume24hUsd: m.listing.volume24hUsd,
      });
    }
  }
}
