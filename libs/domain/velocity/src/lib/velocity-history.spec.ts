import { HOUR_MS, VelocityHistory } from './velocity-history';

const T = Date.UTC(2026, 0, 10, 12, 0, 0);
const MIN = 60_000;

function sample(ts: number, velocity: number) {
  return { ts, velocity, priceUsd: 1, marketCapUsd: 100, volume24hUsd: velocity * 100 };
}

describe(VelocityHistory.name, () => {
  it('averages the samples inside each window, ending at the given time', () => {
    const history = new VelocityHistory();
    history.add(7, sample(T - 10 * HOUR_MS, 0.1)); // 12h only
    history.add(7, sample(T - 3 * HOUR_MS, 0.02)); // 4h and 12h
    history.add(7, sample(T - 30 * MIN, 0.04)); // all
    history.add(7, sample(T, 0.06)); // all
    expect(history.windowAverage(7, T, '1h')).toBe(0.05); // (0.04 + 0.06) / 2
    expect(history.windowAverage(7, T, '4h')).toBe(0.04); // (0.02 + 0.04 + 0.06) / 3
    expect(history.windowAverage(7, T, '12h')).toBe(0.055); // (0.1 + 0.02 + 0.04 + 0.06) / 4
    expect(history.windowAverage(7, T, '7d')).toBe(0.055);
    expect(history.windowAverage(8, T, '1h')).toBeNull();
  });

  it('excludes a sample exactly one window old and keeps days of hourly sums for 7d', () => {
    const history = new VelocityHistory();
    history.addHourlySum(1, T - 3 * 24 * HOUR_MS, 0.9, 3); // three samples averaging 0.3, three days ago
    history.add(1, sample(T - HOUR_MS, 0.5));
    history.add(1, sample(T, 0.1));
    expect(history.windowAverage(1, T, '1h')).toBe(0.1);
    expect(history.windowAverage(1, T, '12h')).toBe(0.3); // (0.5 + 0.1) / 2
    expect(history.windowAverage(1, T, '7d')).toBe(0.3); // (0.9 + 0.5 + 0.1) / 5
  });

  it('ignores a sample not newer than the last and returns earlier velocities oldest first', () => {
    const history = new VelocityHistory();
    for (let i = 0; i < 8; i++) history.add(3, sample(T + i * MIN, i / 100));
    expect(history.add(3, sample(T + 7 * MIN, 9))).toBe(false);
    expect(history.previousVelocities(3, T + 7 * MIN, 6)).toEqual([0.01, 0.02, 0.03, 0.04, 0.05, 0.06]);
    expect(history.previousVelocities(3, T + 2 * MIN, 6)).toEqual([0, 0.01]);
  });

  it('forgets samples older than 12 hours (except in the hourly sums) and hours older than 7 days', () => {
    const history = new VelocityHistory();
    history.add(2, sample(T - 8 * 24 * HOUR_MS, 1));
    history.add(2, sample(T - 13 * HOUR_MS, 0.2));
    history.add(2, sample(T, 0.4));
    expect(history.previousVelocities(2, T, 6)).toEqual([]);
    expect(history.windowAverage(2, T, '7d')).toBe(0.3);
  });
});
