/** '00' .. '99' */
const PAIRS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/**
 * The decimal text of a non-negative safe integer, as `String(value)` gives it, built from digit
 * pairs instead of by V8's number-to-string conversion: that one keeps each string it makes in the
 * heap's number-string cache, so a header value that is a new number on every request (the
 * remaining allowance, counting down) is held past two scavenges and promoted to the old space,
 * some 30 bytes a request that only a mark-compact frees (measured; docs/gateway.md, Performance).
 */
export function integerText(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) return String(value);
  if (value < 10) return PAIRS[value]![1]!;
  let text = '';
  while (value >= 100) {
    const rest = Math.floor(value / 100);
    text = PAIRS[value - rest * 100]! + text;
    value = rest;
  }
  return (value < 10 ? PAIRS[value]![1]! : PAIRS[value]!) + text;
}
