import { detectOutlier } from './outlier.util';

describe(detectOutlier.name, () => {
  const calm = [100, 101, 99, 100, 102, 98, 100];

  it('flags a tripled price against a calm history', () => {
    const result = detectOutlier(300, calm);
    expect(result.outlier).toBe(true);
    // median of the logs is ln(100): deviation ln(3)
    expect(result.logDeviation).toBeCloseTo(Math.log(3), 12);
    // MAD of the logs is ln(101/100) = 0.00995; 5 x 1.4826 x 0.00995 = 0.0738 < ln(1.5) = 0.405
    expect(result.threshold).toBeCloseTo(Math.log(1.5), 12);
  });

  it('does not flag a 40 % move (below the 50 % floor) nor a drop to 70 %', () => {
    expect(detectOutlier(140, calm).outlier).toBe(false);
    expect(detectOutlier(70, calm).outlier).toBe(false);
    // a fall to a third is as far in logs as a tripling
    expect(detectOutlier(33, calm).outlier).toBe(true);
  });

  it('widens the bound for a volatile history', () => {
    const volatile = [100, 200, 50, 100, 180, 60, 100];
    // logs deviate by ln2, ln2, 0, ln1.8, ln(1/0.6), 0 -> MAD = ln(1/0.6) = 0.5108; 5 x 1.4826 x 0.5108 = 3.787
    const result = detectOutlier(300, volatile);
    expect(result.threshold).toBeCloseTo(5 * 1.4826 * Math.log(1 / 0.6), 12);
    expect(result.outlier).toBe(false);
  });

  it('does not test with fewer than 5 earlier values, or a value that is not positive', () => {
    expect(detectOutlier(1_000, [100, 100, 100, 100])).toEqual({
      outlier: false,
      logDeviation: null,
      threshold: null,
    });
    expect(detectOutlier(0, calm).outlier).toBe(false);
    // zeros in the history are left out: 4 positive values remain
    expect(detectOutlier(1_000, [0, 100, 100, 100, 100]).logDeviation).toBeNull();
  });
});
