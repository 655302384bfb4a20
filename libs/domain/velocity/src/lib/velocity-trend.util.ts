import type { VelocityTrend } from '@mdp/schemas';

/** The seed's trend threshold: a change of more than 5 % against the recent average. */
export const TREND_CHANGE_THRESHOLD = 0.05;

export interface VelocityTrendAnalysis {
  trend: VelocityTrend;
  /** Mean of the last 3 earlier velocities, null with fewer than 3. */
  recentAverage: number | null;
  /** Mean of the 3 before those, null with fewer than 6 (the seed's sketch divides a shorter slice by 3). */
  olderAverage: number | null;
  /** (current - recentAverage) / recentAverage, null when undefined (fewer than 3 points, zero average). */
  relativeChange: number | null;
}

/**
 * Seed 003 `calculate_velocity_trend`, with the cases its sketch gets wrong made explicit:
 * - fewer than 3 earlier velocities: `insufficient_data` (as the seed);
 * - 3 to 5 earlier velocities: the trend needs only the last 3, so it is classified; the sketch's
 *   `older_avg` (`sum(h[-6:-3]) / 3`) would divide fewer than 3 values by 3, so it is reported as
 *   null instead, and it never decides the trend (the sketch computes it and never uses it);
 * - a zero recent average (the sketch divides by zero): `stable` when the current velocity is 0 too,
 *   `increasing` when it is above 0 (any rise from nothing is more than 5 %);
 * - exactly 5 % is `stable` (the seed's comparisons are strict); the relative change is rounded to
 *   12 decimals first, so 0.105 against 0.1 (0.04999999999999993 in binary) counts as exactly 5 %.
 * `previous` is ordered oldest first and excludes the current velocity.
 */
export function classifyVelocityTrend(current: number, previous: readonly number[]): VelocityTrendAnalysis {
  const n = previous.length;
  const olderAverage = n >= 6 ? (previous[n - 6]! + previous[n - 5]! + previous[n - 4]!) / 3 : null;
  if (n < 3) return { trend: 'insufficient_data', recentAverage: null, olderAverage, relativeChange: null };
  const recentAverage = (previous[n - 3]! + previous[n - 2]! + previous[n - 1]!) / 3;
  if (recentAverage === 0) {
    return {
      trend: current > 0 ? 'increasing' : 'stable',
      recentAverage,
      olderAverage,
      relativeChange: null,
    };
  }
  const relativeChange = Math.round(((current - recentAverage) / recentAverage) * 1e12) / 1e12;
  const trend: VelocityTrend =
    relativeChange > TREND_CHANGE_THRESHOLD
      ? 'increasing'
      : -relativeChange > TREND_CHANGE_THRESHOLD
        ? 'decreasing'
        : 'stable';
  return { trend, recentAverage, olderAverage, relativeChange };
}
