import { CandleBuilder } from './candle.builder';

const T = 1_700_000_100_000; // a 5m boundary

describe(CandleBuilder.name, () => {
  it('builds OHLCV by event time and closes at end + grace', () => {
    const candles = new CandleBuilder(['1m', '5m'], 2_000);
    candles.addTrade('BTC', 100, 1, 100, T + 5_000);
    candles.addTrade('BTC', 104, 0.5, 52, T + 20_000);
    candles.addTrade('BTC', 98, 2, 196, T + 40_000);
    candles.addTrade('BTC', 99, 1, 99, T + 1_000); // arrives late: earlier event time, so it is the open
    candles.addTrade('BTC', 101, 1, 101, T + 60_500); // next minute
    expect(candles.advanceTo(T + 61_999)).toEqual([]);
    const closed = candles.advanceTo(T + 62_000);
    expect(closed).toEqual([
      {
        symbol: 'BTC',
        exchange: 'all',
        timeframe: '1m',
        openTime: T,
        open: 99,
        high: 104,
        low: 98,
        close: 98,
        volume: 4.5,
        notionalUsd: 447,
        trades: 4,
        closed: true,
      },
    ]);
    candles.addTrade('BTC', 150, 1, 150, T + 30_000); // too late for 1m, counts in 5m
    expect(candles.lateDropped).toBe(1);
    const live = candles.takeChanged();
    expect(
      live.map((c) => [c.timeframe, c.openTime, c.open, c.high, c.low, c.close, c.trades, c.closed]),
    ).toEqual([
      ['1m', T + 60_000, 101, 101, 101, 101, 1, false],
      ['5m', T, 99, 150, 98, 101, 6, false],
    ]);
    expect(candles.takeChanged()).toEqual([]);
  });

  it('does not open a candle for a period already closed, even for a symbol seen for the first time', () => {
    const candles = new CandleBuilder(['1m'], 1_000);
    candles.addTrade('BTC', 100, 1, 100, T + 120_000);
    candles.advanceTo(T + 121_000);
    candles.addTrade('ETH', 10, 1, 10, T + 30_000); // its minute ended before the last advance
    candles.addTrade('ETH', 11, 1, 11, T + 120_500);
    expect(candles.lateDropped).toBe(1);
    expect(candles.takeChanged().map((c) => [c.symbol, c.openTime])).toEqual([
      ['BTC', T + 120_000],
      ['ETH', T + 120_000],
    ]);
  });
});
