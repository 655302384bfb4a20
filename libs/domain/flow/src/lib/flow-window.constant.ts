import type { FlowWindow, Timeframe } from '@mdp/schemas';

const MINUTE = 60_000;

/** Length of each liquidity flow window (seed 000) in ms. */
export const FLOW_WINDOW_MS: Readonly<Record<FlowWindow, number>> = {
  '1m': MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '1h': 60 * MINUTE,
  '4h': 240 * MINUTE,
};

/** Step of a window's time series: each point sums the events of one step (12 to 16 points per window). */
export const FLOW_TIME_SERIES_STEP_MS: Readonly<Record<FlowWindow, number>> = {
  '1m': 5_000,
  '5m': 30_000,
  '15m': MINUTE,
  '1h': 5 * MINUTE,
  '4h': 15 * MINUTE,
};

/** Length of each candle timeframe in ms. */
export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = {
  '1m': MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '1h': 60 * MINUTE,
  '4h': 240 * MINUTE,
  '1d': 1_440 * MINUTE,
};

/** Start of the period of length `lengthMs` holding `ts`, aligned to epoch (wall-clock) boundaries. */
export function periodStart(ts: number, lengthMs: number): number {
  return ts - (((ts % lengthMs) + lengthMs) % lengthMs);
}
