import { IndicatorCalculator } from './indicator.calculator';

// Independent textbook implementations to check the library's values against.
function wilderRsi(closes: number[], period = 14): number {
  const changes = closes.slice(1).map((close, i) => close - closes[i]!);
  let gain = changes.slice(0, period).reduce((sum, c) => sum + Math.max(c, 0), 0) / period;
  let loss = changes.slice(0, period).reduce((sum, c) => sum + Math.max(-c, 0), 0) / period;
  for (const change of changes.slice(period)) {
    gain = (gain * (period - 1) + Math.max(change, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
  }
  return loss === 0 ? 100 : 100 - 100 / (1 + gain / loss);
}

/** EMA seeded with the first value, k = 2 / (n + 1). */
function emaSeries(values: number[], period: number): number[] {
  const k = 2 / (period + 1);
  const out: number[] = [];
  values.forEach((value, i) => out.push(i === 0 ? value : value * k + out[i - 1]! * (1 - k)));
  return out;
}

function macd(closes: number[]): { macd: number; signal: number } {
  const fast = emaSeries(closes, 12);
  const slow = emaSeries(closes, 26);
  const line = closes.map((_, i) => fast[i]! - slow[i]!).slice(25); // defined from the 26th close
  const signal = emaSeries(line, 9);
  return { macd: line[line.length - 1]!, signal: signal[signal.length - 1]! };
}

function bollinger(closes: number[]): { upper: number; lower: number } {
  const last = closes.slice(-20);
  const mean = last.reduce((a, b) => a + b, 0) / 20;
  const sd = Math.sqrt(last.reduce((a, b) => a + (b - mean) ** 2, 0) / 20);
  return { upper: mean + 2 * sd, lower: mean - 2 * sd };
}

const CLOSES = Array.from({ length: 40 }, (_, i) => 100 + 5 * Math.sin(i / 3) + (i % 4) * 0.75 - i * 0.1);

describe(IndicatorCalculator.name, () => {
  it('gives RSI(14), MACD(12,26,9) and Bollinger(20,2) equal to the textbook formulas', () => {
    const calculator = new IndicatorCalculator();
    let values = calculator.update(CLOSES[0]!, 0);
    for (let i = 1; i < CLOSES.length; i++) values = calculator.update(CLOSES[i]!, i * 60_000);
    expect(values.candles).toBe(40);
    expect(values.rsi14).toBeCloseTo(wilderRsi(CLOSES), 9);
    const expected = macd(CLOSES);
    expect(values.macd).toBeCloseTo(expected.macd, 9);
    expect(values.macdSignal).toBeCloseTo(expected.signal, 9);
    expect(values.macdHistogram).toBeCloseTo(expected.macd - expected.signal, 9);
    const bands = bollinger(CLOSES);
    expect(values.bollingerUpper).toBeCloseTo(bands.upper, 9);
    expect(values.bollingerLower).toBeCloseTo(bands.lower, 9);
    expect(values.bollingerWidth).toBeCloseTo(bands.upper - bands.lower, 9);
  });

  it('reports null until enough candles have closed', () => {
    const calculator = new IndicatorCalculator();
    let values = calculator.update(100, 0);
    for (let i = 1; i < 14; i++) values = calculator.update(100 + i, i);
    expect([values.rsi14, values.macd, values.bollingerUpper]).toEqual([null, null, null]);
    values = calculator.update(120, 14); // 15th close: 14 changes, all gains
    expect(values.rsi14).toBe(100);
  });
});
