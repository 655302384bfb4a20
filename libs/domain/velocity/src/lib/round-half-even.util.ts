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
