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

/**
 * Rounds to `decimals` places like Python's round(): the nearest decimal to the double's exact value,
 * ties (possible only when the double is exactly a half at that place) to the even digit.
 */
export function roundHalfEven(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  // toFixed(n) rounds the exact binary value half up; it differs from Python only on exact ties.
  const exact = Math.abs(value).toFixed(Math.min(100, decimals + 30));
  const point = exact.indexOf('.');
  const tail = exact.slice(point + 1 + decimals);
  if (tail[0] === '5' && /^50*$/.test(tail)) {
    const kept = exact.slice(0, point + 1 + decimals);
    const lastDigit = Number(kept[kept.length - 1] === '.' ? kept[kept.length - 2] : kept[kept.length - 1]);
    const truncated = Number(kept);
    const step = 10 ** -decimals;
    const rounded = lastDigit % 2 === 0 ? truncated : Number((truncated + step).toFixed(decimals));
    return value < 0 ? -rounded : rounded;
  }
  return Number(value.toFixed(decimals));
}
