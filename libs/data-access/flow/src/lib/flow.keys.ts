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
