/**
 * Redis keys and channels of the liquidation detector (seeds 001 and 004). Built here only.
 * `<SYMBOL>` is the canonical `BASE-QUOTE` symbol, e.g. `BTC-USDT`.
 *
 * Keys of one symbol that one script writes together share the hash tag `{<SYMBOL>}`, and the
 * service-wide keys share `{liquidation-detector}`, so everything works on Redis Cluster.
 * `signal:active:<SYMBOL>` is the seed's name and is written on its own.
 */
export const SIGNAL_ACTIVE_PREFIX = 'signal:active:';
export const STATS_GRANULARITIES = ['1m', '1h'] as const;
export type StatsGranularity = (typeof STATS_GRANULARITIES)[number];

const SERVICE_TAG = '{liquidation-detector}';

/** String (JSON of the LiquidationSignalMessage) of a symbol's latest signal, with a TTL. */
export function activeSignalKey(symbol: string): string {
  return `${SIGNAL_ACTIVE_PREFIX}${symbol}`;
}

/** Pub/sub channel notified (JSON of the signal) when a signal is raised for a symbol. */
export function signalUpdateChannel(symbol: string): string {
  return `signal:updates:${symbol}`;
}

/** Sorted set of a symbol's accepted liquidations (score: event time ms; member: the stored record), with a TTL. */
export function liquidationEventsKey(symbol: string): string {
  return `liquidation:{${symbol}}:events`;
}

/** Hash of one symbol's statistics for one minute or hour bucket (count, volume, buy/sell counts and volumes), with a TTL. */
export function liquidationStatsKey(
  symbol: string,
  granularity: StatsGranularity,
  bucketStartMs: number,
): string {
  return `liquidation:{${symbol}}:stats:${granularity}:${bucketStartMs}`;
}

/** Set of the symbols that have stored liquidations (for cleanup, the dashboard and the gateway), with a TTL. */
export function liquidationSymbolsKey(): string {
  return `liquidation-detector:${SERVICE_TAG}:symbols`;
}

/** Hash of the service's counters: processed, filtered, stored, memory_rejections, signals. */
export function detectorCountersKey(): string {
  return `liquidation-detector:${SERVICE_TAG}:counters`;
}

/**
 * Hash of each symbol's current percentile-filter threshold (field: symbol; value: JSON
 * `PercentileThreshold`), written by the detector every COUNTERS_FLUSH_MS for the symbols it saw, with a TTL.
 */
export function percentileThresholdsKey(): string {
  return `liquidation-detector:${SERVICE_TAG}:percentiles`;
}

/** Hash of the memory guard's last reading: storage mode, used/max bytes, percent, evicted keys, time; with a TTL. */
export function storageStateKey(): string {
  return `liquidation-detector:${SERVICE_TAG}:storage`;
}
