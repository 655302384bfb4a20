import { RollingVwapWindow } from './rolling-vwap.window';

describe(RollingVwapWindow.name, () => {
  it('equals the exact VWAP of the trades in the window and forgets older buckets', () => {
    const window = new RollingVwapWindow({ windowMs: 60_000, bucketMs: 1_000 });
    const trades: Array<[number, number, number]> = [];
    for (let i = 0; i < 500; i++) trades.push([100 + (i % 17) * 0.5, 0.1 + (i % 5), i * 250]);
    for (const [price, size, ts] of trades) window.add(price, size, ts);
    const at = 124_999;
    const inWindow = trades.filter(([, , ts]) => Math.floor(ts / 1000) > Math.floor(at / 1000) - 60);
    const exact = inWindow.reduce((s, [p, q]) => s + p * q, 0) / inWindow.reduce((s, [, q]) => s + q, 0);
    const reading = window.read(at)!;
    expect(reading.trades).toBe(inWindow.length);
    expect(reading.vwap).toBeCloseTo(exact, 9);
  });

  it('has no VWAP without trades in the window', () => {
    const window = new RollingVwapWindow({ windowMs: 10_000, bucketMs: 1_000 });
    window.add(100, 1, 0);
    expect(window.read(5_000)?.vwap).toBe(100);
    expect(window.read(10_000)).toBeUndefined();
  });
});
