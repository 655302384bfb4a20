import { bollinger, rsi, toBar, type Bar } from './indicators';

const bars = (closes: number[]): Bar[] =>
  closes.map((close, i) => ({ time: i * 60_000, open: close, high: close, low: close, close, volume: 1 }));

describe('indicators', () => {
  it('bollinger: mean and two population deviations of the last `period` closes', () => {
    const bands = bollinger(bars([1, 2, 3, 4, 5]), 4, 2);
    // closes 1..4: mean 2.5, deviation sqrt(1.25); closes 2..5: mean 3.5.
    expect(bands.middle).toEqual([
      { time: 180_000, value: 2.5 },
      { time: 240_000, value: 3.5 },
    ]);
    expect(bands.upper[0]!.value).toBeCloseTo(2.5 + 2 * Math.sqrt(1.25), 12);
    expect(bands.lower[1]!.value).toBeCloseTo(3.5 - 2 * Math.sqrt(1.25), 12);
  });

  it("rsi: Wilder's smoothing, 100 when only gains, 50 when flat", () => {
    expect(rsi(bars([1, 2, 3, 4]), 3)).toEqual([{ time: 180_000, value: 100 }]);
    expect(rsi(bars([5, 5, 5, 5]), 3)).toEqual([{ time: 180_000, value: 50 }]);
    // gains 1, losses 1 over 2 -> 50; then +2: gain (0.5 + 2) / 2 = 1.25, loss 0.25 -> 100 - 100 / 6.
    const values = rsi(bars([1, 2, 1, 3]), 2).map((point) => point.value);
    expect(values[0]).toBe(50);
    expect(values[1]).toBeCloseTo(100 - 100 / 6, 12);
    expect(rsi(bars([1, 2]), 14)).toEqual([]);
  });

  it('toBar reads the gateway shapes and refuses others', () => {
    const ms = Date.UTC(2026, 10, 22, 8, 1);
    expect(toBar({ openTime: ms, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 })).toEqual({
      time: ms,
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 3,
    });
    expect(
      toBar({
        bucket: '2026-11-22T08:01:00.000Z',
        open: '1',
        high: '2',
        low: '0.5',
        close: '1.5',
        volume: '3',
      }),
    ).toEqual({
      time: ms,
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 3,
    });
    // epoch seconds
    expect(toBar({ time: ms / 1000, open: 1, high: 1, low: 1, close: 1 })?.time).toBe(ms);
    expect(toBar({ openTime: 1, open: 'x', high: 1, low: 1, close: 1 })).toBeNull();
    expect(toBar(null)).toBeNull();
  });
});
