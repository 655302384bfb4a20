/** Indicators drawn on the candle chart, computed from the candles shown (same definitions as the flow aggregator's). */
export interface Bar {
  /** Open time, epoch ms. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface Point {
  time: number;
  value: number;
}

/** Bollinger bands: SMA(period) of closes and ± k population standard deviations. */
export function bollinger(
  bars: readonly Bar[],
  period = 20,
  k = 2,
): { middle: Point[]; upper: Point[]; lower: Point[] } {
  const middle: Point[] = [];
  const upper: Point[] = [];
  const lower: Point[] = [];
  for (let i = period - 1; i < bars.length; i++) {
    const closes = bars.slice(i - period + 1, i + 1).map((bar) => bar.close);
    const mean = closes.reduce((sum, close) => sum + close, 0) / period;
    const deviation = Math.sqrt(closes.reduce((sum, close) => sum + (close - mean) ** 2, 0) / period);
    const time = bars[i]!.time;
    middle.push({ time, value: mean });
    upper.push({ time, value: mean + k * deviation });
    lower.push({ time, value: mean - k * deviation });
  }
  return { middle, upper, lower };
}

/** RSI with Wilder's smoothing; the first value at index `period`. */
export function rsi(bars: readonly Bar[], period = 14): Point[] {
  if (bars.length <= period) return [];
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const change = bars[i]!.close - bars[i - 1]!.close;
    if (change > 0) gain += change;
    else loss -= change;
  }
  gain /= period;
  loss /= period;
  const value = () => (loss === 0 ? (gain === 0 ? 50 : 100) : 100 - 100 / (1 + gain / loss));
  const points: Point[] = [{ time: bars[period]!.time, value: value() }];
  for (let i = period + 1; i < bars.length; i++) {
    const change = bars[i]!.close - bars[i - 1]!.close;
    gain = (gain * (period - 1) + Math.max(change, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
    points.push({ time: bars[i]!.time, value: value() });
  }
  return points;
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function toMs(value: unknown): number {
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string') return /^\d+$/.test(value) ? toMs(Number(value)) : Date.parse(value);
  return Number.NaN;
}

/**
 * A candle as the gateway answers it (`openTime` or `time`/`bucket`/`ts`, epoch ms or s or ISO
 * text; prices as numbers or numeric text) as a Bar, or null when it is not one.
 */
export function toBar(raw: unknown): Bar | null {
  if (raw === null || typeof raw !== 'object') return null;
  const candle = raw as Record<string, unknown>;
  const time = toMs(
    candle['openTime'] ?? candle['open_time'] ?? candle['time'] ?? candle['bucket'] ?? candle['ts'],
  );
  const bar = {
    time,
    open: toNumber(candle['open']),
    high: toNumber(candle['high']),
    low: toNumber(candle['low']),
    close: toNumber(candle['close']),
    volume: toNumber(candle['volume'] ?? 0),
  };
  return Object.values(bar).every(Number.isFinite) ? bar : null;
}
