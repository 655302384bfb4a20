import { FLOW_WINDOWS, type FlowWindow, type Timeframe } from '@mdp/schemas';

/**
 * Redis keys of the flow aggregator's data, spelled as the seeds spell them:
 * seed 000 (`liquidity-flow:*`), seed 004 (`candle:current:*`), seed 002 (`stocks:indicators:*`, `positions:*`).
 */
export const FLOW_KEY_PREFIX = 'liquidity-flow';

/** `liquidity-flow:{coin}:{timeWindow}:{timestamp}` */
export function flowSnapshotKey(coin: string, timeWindow: FlowWindow, timestamp: number): string {
  return `${FLOW_KEY_PREFIX}:${coin}:${timeWindow}:${timestamp}`;
}

/** `liquidity-flow:{coin}:{timeWindow}:index` (sorted set: score = window timestamp, member = snapshot key) */
export function flowIndexKey(coin: string, timeWindow: FlowWindow): string {
  return `${FLOW_KEY_PREFIX}:${coin}:${timeWindow}:index`;
}

/** SCAN pattern of every key of a coin (glob characters in the coin escaped). */
export function flowCoinPattern(coin: string): string {
  return `${FLOW_KEY_PREFIX}:${coin.replace(/[*?[\]\\]/g, '\\$&')}:*`;
}

/** The parts of a snapshot key, or null when `key` is not one. */
export function parseFlowSnapshotKey(
  key: string,
): { coin: string; timeWindow: FlowWindow; timestamp: number } | null {
  const match = /^liquidity-flow:([^:]+):([^:]+):(\d+)$/.exec(key);
  if (!match) return null;
  const timeWindow = match[2] as FlowWindow;
  if (!FLOW_WINDOWS.includes(timeWindow)) return null;
  return { coin: match[1]!, timeWindow, timestamp: Number(match[3]) };
}

/** `candle:current:<TIMEFRAME>:<SYMBOL>` (hash) */
export function candleCurrentKey(timeframe: Timeframe, symbol: string): string {
  return `candle:current:${timeframe}:${symbol}`;
}

/** `stocks:indicators:{symbol}` (JSON) */
export function stocksIndicatorsKey(symbol: string): string {
  return `stocks:indicators:${symbol}`;
}

/** `positions:active:{symbol}` (JSON, written by the trading system) */
export function positionsActiveKey(symbol: string): string {
  return `positions:active:${symbol}`;
}

/** `positions:monitoring:{symbol}` (JSON) */
export function positionsMonitoringKey(symbol: string): string {
  return `positions:monitoring:${symbol}`;
}

/** `stocks:price:{symbol}` (JSON, seed 002) */
export function stocksPriceKey(symbol: string): string {
  return `stocks:price:${symbol}`;
}

/** `stocks:sentiment:{symbol}` (JSON, seed 002) */
export function stocksSentimentKey(symbol: string): string {
  return `stocks:sentiment:${symbol}`;
}

/** `signals:{signal_type}:{symbol}` (JSON, seed 002; e.g. `signals:entry:AAPL`) */
export function tradingSignalKey(signalType: string, symbol: string): string {
  return `signals:${signalType}:${symbol}`;
}

/** `watchlist:current` (JSON array of symbols, seed 002) */
export function watchlistCurrentKey(): string {
  return 'watchlist:current';
}

/** `candidates:ranked` (JSON array, seed 002) */
export function candidatesRankedKey(): string {
  return 'candidates:ranked';
}

/** `system:state` (JSON, seed 002) */
export function systemStateKey(): string {
  return 'system:state';
}

/** `metrics:performance` (JSON, seed 002) */
export function metricsPerformanceKey(): string {
  return 'metrics:performance';
}

/** `context:market` (JSON, seed 002) */
export function contextMarketKey(): string {
  return 'context:market';
}

/**
 * `flow-aggregator:{flow-aggregator}:checkpoint:<index>-of-<count>` of the shard layout (before
 * FLOW_PARTITIONS, checkpoint version 1): the whole state of shard FLOW_SHARD_INDEX of
 * FLOW_SHARD_COUNT. Read only to refuse it (assertNoShardLayoutCheckpoint). The partition
 * checkpoints that replaced it have the same form (`partitionCheckpointKey` of @mdp/transport:
 * partition `<p>-of-<FLOW_PARTITIONS>`).
 */
export function flowShardCheckpointKey(shardIndex: number, shardCount: number): string {
  return `flow-aggregator:{flow-aggregator}:checkpoint:${shardIndex}-of-${shardCount}`;
}
