import { roundHalfEven } from './round-half-even.util';

/** The seed's bound on velocity ("sanity check for extremely high velocity"). */
export const MAX_VELOCITY = 100;
/** Decimals the seed rounds velocity to. */
export const VELOCITY_DECIMALS = 8;

/**
 * Seed 003 `calculate_velocity`: 24h volume (USD) / market cap (USD); 0 when the market cap is not
 * positive; 100 when the ratio exceeds 100; otherwise rounded to 8 decimals the way Python's
 * `round(x, 8)` does (on the exact binary value, ties to even), so both give the same number.
 */
export function calculateVelocity(volume24hUsd: number, marketCapUsd: number): number {
  if (!(marketCapUsd > 0)) return 0;
  const velocity = volume24hUsd / marketCapUsd;
  if (velocity > MAX_VELOCITY) return MAX_VELOCITY;
  return roundHalfEven(velocity, VELOCITY_DECIMALS);
}
