/** Indicator values after a candle close; null until enough candles have closed. */
export interface IndicatorValues {
  /** Close of the candle the values were computed after, and its open time. */
  close: number;
  openTime: number;
  candles: number;
  rsi14: number | null;
  macd: number | null;
  macdSignal: number | null;
  macdHistogram: number | null;
  /** MACD histogram after the previous candle (for "strengthening" / "weakening"). */
  previousMacdHistogram: number | null;
  bollingerUpper: number | null;
  bollingerMiddle: number | null;
  bollingerLower: number | null;
  /** bollingerUpper - bollingerLower. */
  bollingerWidth: number | null;
}

/**
 * Everything an IndicatorCalculator holds, as plain data for a checkpoint:
 * `IndicatorCalculator.fromState(calc.toState())` gives the same values as `calc` for any further closes.
 */
export interface IndicatorCalculatorState {
  candles: number;
  last: IndicatorValues | null;
  /** RSI: the previous close, the first gains and losses (until the averages exist), the Wilder averages. */
  rsiPrevious: number | null;
  gains: number[];
  losses: number[];
  avgGain: number | null;
  avgLoss: number | null;
  /** MACD: closes seen (up to 26) and the three EMAs. */
  macdSeen: number;
  emaShort: number | null;
  emaLong: number | null;
  emaSignal: number | null;
  /** Bollinger: the last 20 closes. */
  bandCloses: number[];
}

const RSI_PERIOD = 14;
const MACD_SHORT = 12;
const MACD_LONG = 26;
const MACD_SIGNAL = 9;
const BANDS_PERIOD = 20;
const BANDS_DEVIATIONS = 2;
const WILDER_FACTOR = 1 / RSI_PERIOD;

/** Sum in order from 0, divided by the count: the trading-signals library's getAverage, bit for bit. */
function average(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** An EMA step seeded with the first value (k = 2 / (n + 1)), as trading-signals' EMA computes it. */
function emaStep(previous: number | null, value: number, period: number): number {
  const k = 2 / (period + 1);
  return value * k + (previous ?? value) * (1 - k);
}

/**
 * RSI(14) (Wilder smoothing seeded with the simple average of the first 14 changes), MACD(12, 26, 9)
 * on EMAs (the MACD line from the 26th close) and Bollinger bands (20, 2 population standard
 * deviations) over a series of candle closes.
 *
 * The arithmetic is that of the trading-signals library (8.x) operation for operation, so the values
 * are the same to the last bit (the unit test checks it against the library); it is written out here
 * because the library keeps its state in private fields, and a checkpoint must save and restore it.
 */
export class IndicatorCalculator {
  private state: IndicatorCalculatorState = {
    candles: 0,
    last: null,
    rsiPrevious: null,
    gains: [],
    losses: [],
    avgGain: null,
    avgLoss: null,
    macdSeen: 0,
    emaShort: null,
    emaLong: null,
    emaSignal: null,
    bandCloses: [],
  };

  /** A calculator holding exactly `state` (from toState). */
  static fromState(state: IndicatorCalculatorState): IndicatorCalculator {
    const calculator = new IndicatorCalculator();
    calculator.state = copyState(state);
    return calculator;
  }

  /** A copy of the whole state as plain data. */
  toState(): IndicatorCalculatorState {
    return copyState(this.state);
  }

  /** Feeds the close of the next candle; returns the values after it. */
  update(close: number, openTime: number): IndicatorValues {
    const s = this.state;
    s.candles += 1;
    const rsi = this.updateRsi(close);

    s.macdSeen = Math.min(MACD_LONG, s.macdSeen + 1);
    s.emaShort = emaStep(s.emaShort, close, MACD_SHORT);
    s.emaLong = emaStep(s.emaLong, close, MACD_LONG);
    let macd: number | null = null;
    let macdSignal: number | null = null;
    let macdHistogram: number | null = null;
    if (s.macdSeen === MACD_LONG) {
      macd = s.emaShort - s.emaLong;
      s.emaSignal = emaStep(s.emaSignal, macd, MACD_SIGNAL);
      macdSignal = s.emaSignal;
      macdHistogram = macd - macdSignal;
    }

    s.bandCloses.push(close);
    if (s.bandCloses.length > BANDS_PERIOD) s.bandCloses.shift();
    let upper: number | null = null;
    let middle: number | null = null;
    let lower: number | null = null;
    if (s.bandCloses.length === BANDS_PERIOD) {
      middle = average(s.bandCloses);
      const mean = middle;
      const deviation = Math.sqrt(average(s.bandCloses.map((value) => (value - mean) * (value - mean))));
      lower = middle - deviation * BANDS_DEVIATIONS;
      upper = middle + deviation * BANDS_DEVIATIONS;
    }

    const values: IndicatorValues = {
      close,
      openTime,
      candles: s.candles,
      rsi14: rsi,
      macd,
      macdSignal,
      macdHistogram,
      previousMacdHistogram: s.last?.macdHistogram ?? null,
      bollingerUpper: upper,
      bollingerMiddle: middle,
      bollingerLower: lower,
      bollingerWidth: upper !== null && lower !== null ? upper - lower : null,
    };
    s.last = values;
    return values;
  }

  get latest(): IndicatorValues | null {
    return this.state.last;
  }

  private updateRsi(close: number): number | null {
    const s = this.state;
    const previous = s.rsiPrevious;
    s.rsiPrevious = close;
    if (previous === null) return null;
    const gain = close > previous ? close - previous : 0;
    const loss = close > previous ? 0 : previous - close;
    if (s.avgGain === null || s.avgLoss === null) {
      s.gains.push(gain);
      s.losses.push(loss);
      if (s.gains.length < RSI_PERIOD) return null;
      s.avgGain = average(s.gains);
      s.avgLoss = average(s.losses);
      s.gains = [];
      s.losses = [];
    } else {
      s.avgGain = (gain - s.avgGain) * WILDER_FACTOR + s.avgGain;
      s.avgLoss = (loss - s.avgLoss) * WILDER_FACTOR + s.avgLoss;
    }
    if (s.avgLoss === 0) return 100;
    return 100 - 100 / (s.avgGain / s.avgLoss + 1);
  }
}

function copyState(state: IndicatorCalculatorState): IndicatorCalculatorState {
  return {
    candles: state.candles,
    last: state.last ? Object.assign({}, state.last) : null,
    rsiPrevious: state.rsiPrevious,
    gains: state.gains.slice(),
    losses: state.losses.slice(),
    avgGain: state.avgGain,
    avgLoss: state.avgLoss,
    macdSeen: state.macdSeen,
    emaShort: state.emaShort,
    emaLong: state.emaLong,
    emaSignal: state.emaSignal,
    bandCloses: state.bandCloses.slice(),
  };
}
