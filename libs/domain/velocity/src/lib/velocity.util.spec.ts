import { roundHalfEven } from './round-half-even.util';
import { calculateVelocity } from './velocity.util';

describe(calculateVelocity.name, () => {
  it('divides 24h volume by market cap and rounds to 8 decimals (the seed example: 25e9 / 850e9)', () => {
    expect(calculateVelocity(25_000_000_000, 850_000_000_000)).toBe(0.02941176);
  });

  it('returns 0 when the market cap is zero or negative', () => {
    expect(calculateVelocity(1_000, 0)).toBe(0);
    expect(calculateVelocity(1_000, -5)).toBe(0);
  });

  it('caps the velocity at 100', () => {
    expect(calculateVelocity(1_000_001, 10_000)).toBe(100);
    expect(calculateVelocity(1_000_000, 10_000)).toBe(100);
    expect(calculateVelocity(999_999, 10_000)).toBe(99.9999);
  });

  it('rounds like Python round(x, 8): half up off ties, ties (exact binary halves) to even', () => {
    expect(calculateVelocity(2, 3)).toBe(0.66666667);
    expect(calculateVelocity(1, 3)).toBe(0.33333333);
    // 1/512 = 0.001953125 exactly: Python round(1/512, 8) == 0.00195312
    expect(calculateVelocity(1, 512)).toBe(0.00195312);
    // 3/512 = 0.005859375 exactly: ties to even -> 0.00585938
    expect(calculateVelocity(3, 512)).toBe(0.00585938);
  });

  it('is 0 for zero volume', () => {
    expect(calculateVelocity(0, 1_000)).toBe(0);
  });
});

describe(roundHalfEven.name, () => {
  it('rounds exact ties to the even digit at any place', () => {
    expect(roundHalfEven(0.125, 2)).toBe(0.12);
    expect(roundHalfEven(0.375, 2)).toBe(0.38);
    expect(roundHalfEven(2.5, 0)).toBe(2);
    expect(roundHalfEven(-0.125, 2)).toBe(-0.12);
    expect(roundHalfEven(0.1234, 2)).toBe(0.12);
  });
});
