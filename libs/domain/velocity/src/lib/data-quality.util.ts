/**
 * What each issue costs the data-quality score, in hundredths (the score is DECIMAL(3,2)).
 * `<field>_missing` 0.05, `<field>_invalid` 0.10; the rest below.
 */
export const QUALITY_PENALTIES: Readonly<Record<string, number>> = {
  market_cap_zero: 20,
  volume_zero: 10,
  market_cap_inconsistent: 20,
  price_outlier: 25,
  market_cap_outlier: 25,
  volume_24h_outlier: 25,
  stale: 30,
};

/** Penalty of one issue in hundredths. */
function qualityPenalty(issue: string): number {
  const fixed = QUALITY_PENALTIES[issue];
  if (fixed !== undefined) return fixed;
  if (issue.endsWith('_missing')) return 5;
  if (issue.endsWith('_invalid')) return 10;
  return 10;
}

/**
 * The data-quality score in [0, 1] with 2 decimals: 1 minus the penalties of the listing's issues
 * (validation, outliers, staleness), floored at 0. Computed in hundredths, so it is exact.
 */
export function scoreDataQuality(issues: readonly string[]): number {
  let hundredths = 100;
  for (const issue of issues) hundredths -= qualityPenalty(issue);
  return Math.max(0, hundredths) / 100;
}
