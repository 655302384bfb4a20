export interface OutlierOptions {
  /** Fewer earlier values than this: no test (not enough history to call anything an outlier). */
  minHistory: number;
  /** Robust z threshold: deviations beyond k x 1.4826 x MAD (of the logs) are outliers. */
  k: number;
  /** ...and only when the value is also more than this far from the median (0.5 = 50 % up, 33 % down). */
  minRelativeJump: number;
}

export const DEFAULT_OUTLIER_OPTIONS: OutlierOptions = { minHistory: 5, k: 5, minRelativeJump: 0.5 };

export interface OutlierResult {
  outlier: boolean;
  /** ln(value) - median(ln(history)); null when not tested. */
  logDeviation: number | null;
  /** The log deviation beyond which the value counts as an outlier; null when not tested. */
  threshold: number | null;
}

/**
 * Flags a value that is anomalous against the token's own history: on logarithms (prices and
 * volumes move by ratios), a value is an outlier when its distance from the history's median exceeds
 * both k robust standard deviations (1.4826 x the median absolute deviation) and ln(1 + minRelativeJump).
 * The second bound keeps a flat history (MAD 0) from flagging ordinary moves. Values that are not
 * positive are not tested, and are left out of the history.
 */
export function detectOutlier(
  value: number,
  history: readonly number[],
  options: OutlierOptions = DEFAULT_OUTLIER_OPTIONS,
): OutlierResult {
  if (!(value > 0)) return { outlier: false, logDeviation: null, threshold: null };
  const logs: number[] = [];
  for (const h of history) if (h > 0 && Number.isFinite(h)) logs.push(Math.log(h));
  if (logs.length < options.minHistory) return { outlier: false, logDeviation: null, threshold: null };
  const center = median(logs);
  const deviations = logs.map((l) => Math.abs(l - center));
  const mad = median(deviations);
  const threshold = Math.max(options.k * 1.4826 * mad, Math.log(1 + options.minRelativeJump));
  const logDeviation = Math.log(value) - center;
  return { outlier: Math.abs(logDeviation) > threshold, logDeviation, threshold };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
