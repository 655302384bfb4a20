import { BollingerBands, EMA, MACD, RSI } from 'trading-signals';

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
 * RSI(14) (Wilder smoothing), MACD(12, 26, 9) on EMAs and Bollinger bands (20, 2 population
 * standard deviations) over a series of candle closes, computed by the trading-signals library.
 */
export class IndicatorCalculator {
  private readonly rsi = new RSI(14);
  private readonly macdIndicator = new MACD(new EMA(12), new EMA(26), new EMA(9));
  private readonly bands = new BollingerBands(20, 2);
  private candles = 0;
  private last: IndicatorValues | null = null;

  /** Feeds the close of the next candle; returns the values after it. */
  update(close: number, openTime: number): IndicatorValues {
    this.candles += 1;
    const rsi = this.rsi.update(close, false);
    const macd = this.macdIndicator.update(close, false);
    const bands = this.bands.update(close, false);
    const values: IndicatorValues = {
      close,
      openTime,
      candles: this.candles,
      rsi14: rsi ?? null,
      macd: macd?.macd ?? null,
      macdSignal: macd?.signal ?? null,
      macdHistogram: macd?.histogram ?? null,
      previousMacdHistogram: this.last?.macdHistogram ?? null,
      bollingerUpper: bands?.upper ?? null,
      bollingerMiddle: bands?.middle ?? null,
      bollingerLower: bands?.lower ?? null,
      bollingerWidth: bands ? bands.upper - bands.lower : null,
    };
    this.last = values;
    return values;
  }

  get latest(): IndicatorValues | null {
    return this.last;
  }
}
