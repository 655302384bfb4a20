import { scoreDataQuality } from './data-quality.util';

describe(scoreDataQuality.name, () => {
  it('is 1 without issues', () => {
    expect(scoreDataQuality([])).toBe(1);
  });

  it('subtracts each issue in hundredths, exactly', () => {
    // 1 - 0.05 - 0.10 - 0.25 = 0.6
    expect(scoreDataQuality(['total_supply_missing', 'max_supply_invalid', 'price_outlier'])).toBe(0.6);
    // 1 - 0.3 (stale) - 0.2 (market cap inconsistent) = 0.5
    expect(scoreDataQuality(['stale', 'market_cap_inconsistent'])).toBe(0.5);
  });

  it('never goes below 0', () => {
    expect(
      scoreDataQuality([
        'stale',
        'price_outlier',
        'market_cap_outlier',
        'volume_24h_outlier',
        'market_cap_zero',
      ]),
    ).toBe(0);
  });
});
