import { RollingQuantileSketch } from './rolling-quantile.sketch';

/** Deterministic PRNG (mulberry32) so the measured error is reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rank (fraction of samples <= value) in a sorted array. */
function rankOf(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

describe(RollingQuantileSketch.name, () => {
  it('stays within 1 % rank error of the exact percentile on 100k heavy-tailed samples spread over 24 h', () => {
    const next = random(42);
    const sketch = new RollingQuantileSketch({ windowMs: 86_400_000 });
    const values = new Float64Array(100_000);
    const t0 = 1_699_999_200_000; // on an hour boundary: 24 hourly slices
    for (let i = 0; i < values.length; i++) {
      // Pareto(alpha 1.2, xm 1000 USD): liquidation notionals with whales.
      const value = 1_000 / Math.pow(1 - next(), 1 / 1.2);
      values[i] = value;
      sketch.add(value, t0 + Math.floor((i / values.length) * 86_399_000));
    }
    const sorted = values.slice().sort();
    for (const q of [0.5, 0.8, 0.9, 0.95, 0.99]) {
      const estimate = sketch.quantile(q)!;
      const rankError = Math.abs(rankOf(sorted, estimate) - q);
      expect(rankError).toBeLessThan(0.01);
    }
    expect(sketch.count).toBe(100_000);
  });

  it('drops the hour that left the 24 h window and keeps the rest', () => {
    const sketch = new RollingQuantileSketch({
      windowMs: 3 * 3_600_000,
      sliceMs: 3_600_000,
      relativeAccuracy: 0.001,
    });
    const hour = 3_600_000;
    for (let i = 0; i < 100; i++) sketch.add(1_000_000, 0 * hour + i);
    for (let i = 0; i < 100; i++) sketch.add(10, 1 * hour + i);
    for (let i = 0; i < 100; i++) sketch.add(20, 2 * hour + i);
    expect(sketch.count).toBe(300);
    sketch.advance(3 * hour);
    expect(sketch.count).toBe(200);
    expect(sketch.quantile(1)).toBeCloseTo(20, 1);
    sketch.add(5, 0); // older than the window: ignored
    expect(sketch.count).toBe(200);
  });

  it('answers undefined with no data', () => {
    expect(new RollingQuantileSketch({ windowMs: 1000 }).quantile(0.8)).toBeUndefined();
  });
});
