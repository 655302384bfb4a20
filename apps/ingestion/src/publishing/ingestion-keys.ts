/**
 * Redis keys and channels the ingestion service writes outside streams (seed 004). Built here only.
 * `<SYMBOL>` is the canonical `BASE-QUOTE` symbol of the normalized messages, e.g. `BTC-USDT`.
 */
export const TICK_LATEST_PREFIX = 'tick:latest:';

/** Hash with the latest tick of a symbol (any venue), with a TTL. */
export function tickLatestKey(symbol: string): string {
  return `${TICK_LATEST_PREFIX}${symbol}`;
}

/** Pub/sub channel notified (JSON of the tick) each time tick:latest:<SYMBOL> changes. */
export function tickUpdateChannel(symbol: string): string {
  return `tick:updates:${symbol}`;
}
