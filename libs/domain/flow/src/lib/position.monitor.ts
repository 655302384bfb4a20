import type { IndicatorValues } from './indicator.calculator';

/** Seed 002 `positions:active:{symbol}`: kept by the trading system; we update price and PnL. */
export interface ActivePosition {
  symbol: string;
  entry_price: number;
  current_price: number;
  quantity: number;
  side: 'long' | 'short';
  entry_time: string;
  unrealized_pnl: number;
  unrealized_pnl_pct: number;
  stop_loss: number;
  take_profit: number;
  last_update: string;
  [extra: string]: unknown;
}

export interface TechnicalSignal {
  value: number;
  signal: string;
}

/** Seed 002 `positions:monitoring:{symbol}`. */
export interface PositionMonitoring {
  technical_signals: {
    rsi_1m?: TechnicalSignal;
    macd_5m?: TechnicalSignal;
    support_resistance?: { next_level: number; type: 'support' | 'resistance' };
  };
  profit_target: { value: number; distance: string };
  stop_loss: { value: number; distance: string };
  time_in_trade: string;
  timestamp: string;
}

/** What the monitor knows besides the price: indicators of two timeframes and the next flow level. */
export interface MonitoringContext {
  rsi1m: IndicatorValues | null;
  macd5m: IndicatorValues | null;
  /** The nearest price level beyond the price in the position's direction, from the flow map. */
  nextLevel: { price: number; type: 'support' | 'resistance' } | null;
}

/** Rounds to `digits` decimals (half away from zero). */
function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.sign(value) * (Math.round(Math.abs(value) * factor) / factor);
}

/** A position with its price moved to `price` at `now`: PnL (quote currency), PnL % of entry value (2 decimals). */
export function markPosition(position: ActivePosition, price: number, now: number): ActivePosition {
  const direction = position.side === 'short' ? -1 : 1;
  const pnl = (price - position.entry_price) * position.quantity * direction;
  const entryValue = position.entry_price * position.quantity;
  return {
    ...position,
    current_price: price,
    unrealized_pnl: round(pnl, 8),
    unrealized_pnl_pct: entryValue === 0 ? 0 : round((pnl / entryValue) * 100, 2),
    last_update: new Date(now).toISOString(),
  };
}

/** `HH:MM:SS` (hours may exceed 24). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

/** Distance from `price` to `level` as a percentage of the price, one decimal, e.g. `1.9%`. */
export function distancePercent(price: number, level: number): string {
  return `${round((Math.abs(level - price) / price) * 100, 1).toFixed(1)}%`;
}

export function rsiSignal(rsi: number): string {
  return rsi >= 70 ? 'overbought' : rsi <= 30 ? 'oversold' : 'neutral';
}

/** bullish (histogram > 0 and rising), weakening (> 0, falling), bearish (<= 0, falling), recovering (<= 0, rising). */
export function macdSignal(histogram: number, previous: number | null): string {
  const rising = previous === null || histogram >= previous;
  if (histogram > 0) return rising ? 'bullish' : 'weakening';
  return rising ? 'recovering' : 'bearish';
}

/** The monitoring record of a position at `price` and `now`. */
export function monitorPosition(
  position: ActivePosition,
  price: number,
  now: number,
  context: MonitoringContext,
): PositionMonitoring {
  const technical: PositionMonitoring['technical_signals'] = {};
  const rsi = context.rsi1m?.rsi14;
  if (rsi !== null && rsi !== undefined) technical.rsi_1m = { value: round(rsi, 2), signal: rsiSignal(rsi) };
  const histogram = context.macd5m?.macdHistogram;
  if (histogram !== null && histogram !== undefined) {
    technical.macd_5m = {
      value: round(histogram, 8),
      signal: macdSignal(histogram, context.macd5m?.previousMacdHistogram ?? null),
    };
  }
  if (context.nextLevel)
    technical.support_resistance = { next_level: context.nextLevel.price, type: context.nextLevel.type };
  return {
    technical_signals: technical,
    profit_target: { value: position.take_profit, distance: distancePercent(price, position.take_profit) },
    stop_loss: { value: position.stop_loss, distance: distancePercent(price, position.stop_loss) },
    time_in_trade: formatDuration(now - Date.parse(position.entry_time)),
    timestamp: new Date(now).toISOString(),
  };
}

/**
 * The next flow level beyond `price` in the position's direction: for a long, the node above the
 * price with the most sell volume (resistance); for a short, the node below with the most buy
 * volume (support). Null when there is none.
 */
export function nextFlowLevel(
  nodes: ReadonlyArray<{ price: number; buyVolume: number; sellVolume: number }>,
  price: number,
  side: 'long' | 'short',
): { price: number; type: 'support' | 'resistance' } | null {
  let best: { price: number; volume: number } | null = null;
  for (const node of nodes) {
    const beyond = side === 'long' ? node.price > price : node.price < price;
    const volume = side === 'long' ? node.sellVolume : node.buyVolume;
    if (beyond && volume > 0 && (!best || volume > best.volume)) best = { price: node.price, volume };
  }
  return best ? { price: best.price, type: side === 'long' ? 'resistance' : 'support' } : null;
}
