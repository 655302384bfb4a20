import { TokenMetricsCalculator } from './token-metrics.calculator';
import type { ValidatedListing } from './validated-listing.model';

const T = Date.UTC(2026, 0, 10, 12, 0, 0);
const MIN = 60_000;

function listing(
  ts: number,
  priceUsd: number,
  volume24hUsd: number,
  marketCapUsd = 1_000_000,
): ValidatedListing {
  return {
    cmcId: 42,
    name: 'Token',
    symbol: 'TOK',
    slug: 'token',
    cmcRank: 10,
    dateAdded: null,
    priceUsd,
    marketCapUsd,
    volume24hUsd,
    circulatingSupply: null,
    totalSupply: null,
    maxSupply: null,
    percentChange1h: 0,
    percentChange24h: 0,
    percentChange7d: 0,
    lastUpdated: ts,
    issues: ['circulating_supply_missing', 'total_supply_missing'],
  };
}

describe(TokenMetricsCalculator.name, () => {
  it('computes velocity, windows, trend and quality across polls', () => {
    const calculator = new TokenMetricsCalculator({ staleAfterMs: 5 * MIN });
    const volumes = [100_000, 100_000, 100_000, 120_000];
    const results = volumes.map((volume, i) => {
      const metrics = calculator.calculate(listing(T + i * MIN, 1, volume), T + i * MIN + 1_000);
      calculator.commit([metrics]);
      return metrics;
    });
    expect(results.map((r) => r.velocity)).toEqual([0.1, 0.1, 0.1, 0.12]);
    expect(results.map((r) => r.trend)).toEqual([
      'insufficient_data',
      'insufficient_data',
      'insufficient_data',
      'increasing',
    ]);
    const last = results[3]!;
    expect(last.velocity1h).toBe(0.105); // (0.1 x 3 + 0.12) / 4
    expect(last.velocity7d).toBe(0.105);
    expect(last.dataQualityScore).toBe(0.9); // two missing supplies
    expect(last.stale).toBe(false);
    expect(last.ageMs).toBe(1_000);
  });

  it('flags outliers against the history and scores them down', () => {
    const calculator = new TokenMetricsCalculator({ staleAfterMs: 5 * MIN });
    for (let i = 0; i < 6; i++)
      calculator.commit([calculator.calculate(listing(T + i * MIN, 100 + (i % 2), 100_000), T + i * MIN)]);
    const spike = calculator.calculate(listing(T + 6 * MIN, 500, 100_000), T + 6 * MIN);
    expect(spike.outliers).toEqual(['price']);
    expect(spike.issues).toEqual(['circulating_supply_missing', 'total_supply_missing', 'price_outlier']);
    expect(spike.dataQualityScore).toBe(0.65);
  });

  it('marks an old quote stale and does not store a repeated quote twice', () => {
    const calculator = new TokenMetricsCalculator({ staleAfterMs: 5 * MIN });
    const first = calculator.calculate(listing(T, 1, 50_000), T + 6 * MIN);
    calculator.commit([first]);
    expect(first.stale).toBe(true);
    expect(first.issues).toContain('stale');
    expect(first.dataQualityScore).toBe(0.6);
    const again = calculator.calculate(listing(T, 1, 50_000), T + 7 * MIN);
    expect(again.duplicate).toBe(true);
    calculator.commit([again]);
    expect(calculator.history.previousVelocities(42, T + MIN, 6)).toEqual([0.05]);
  });

  it('leaves the history unchanged until the metrics are committed (a poll that failed to store)', () => {
    const calculator = new TokenMetricsCalculator({ staleAfterMs: 5 * MIN });
    calculator.commit([calculator.calculate(listing(T, 1, 100_000), T)]);
    const uncommitted = calculator.calculate(listing(T + MIN, 1, 300_000), T + MIN);
    expect(uncommitted.velocity1h).toBe(0.2); // (0.1 + 0.3) / 2, the pending sample counted once
    const retried = calculator.calculate(listing(T + MIN, 1, 300_000), T + 2 * MIN);
    expect(retried.duplicate).toBe(false);
    expect(retried.velocity1h).toBe(0.2);
    expect(calculator.history.previousVelocities(42, T + 10 * MIN, 6)).toEqual([0.1]);
  });
});
