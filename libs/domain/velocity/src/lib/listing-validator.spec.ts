import { validateListing } from './listing-validator';

function aListing(
  overrides: Record<string, unknown> = {},
  usd: Record<string, unknown> = {},
): Record<string, unknown> {
  const quote: Record<string, unknown> = {
    price: 45_000.5,
    volume_24h: 25_000_000_000,
    percent_change_1h: 0.12,
    percent_change_24h: -1.5,
    percent_change_7d: 4.25,
    market_cap: 877_509_750_000,
    last_updated: '2025-06-19T17:40:00.000Z',
  };
  Object.assign(quote, usd);
  const listing: Record<string, unknown> = {
    id: 1,
    name: 'Bitcoin',
    symbol: 'BTC',
    slug: 'bitcoin',
    cmc_rank: 1,
    circulating_supply: 19_500_000,
    total_supply: 19_500_000,
    max_supply: 21_000_000,
    last_updated: '2025-06-19T17:40:00.000Z',
    date_added: '2010-07-13T00:00:00.000Z',
    quote: { USD: quote },
  };
  Object.assign(listing, overrides);
  return listing;
}

describe(validateListing.name, () => {
  it('accepts a complete listing and converts times to epoch ms', () => {
    const result = validateListing(aListing());
    expect(result).toEqual({
      ok: true,
      listing: {
        cmcId: 1,
        name: 'Bitcoin',
        symbol: 'BTC',
        slug: 'bitcoin',
        cmcRank: 1,
        dateAdded: Date.UTC(2010, 6, 13),
        priceUsd: 45_000.5,
        marketCapUsd: 877_509_750_000,
        volume24hUsd: 25_000_000_000,
        circulatingSupply: 19_500_000,
        totalSupply: 19_500_000,
        maxSupply: 21_000_000,
        percentChange1h: 0.12,
        percentChange24h: -1.5,
        percentChange7d: 4.25,
        lastUpdated: Date.UTC(2025, 5, 19, 17, 40),
        issues: [],
      },
    });
  });

  it('rejects a listing missing required fields or with wrong types, naming each', () => {
    const result = validateListing(aListing({ id: '1', symbol: '' }, { price: null, market_cap: 'lots' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reasons.map((reason) => reason.split(':')[0])).toEqual([
      'id',
      'symbol',
      'quote.USD.price',
      'quote.USD.market_cap',
    ]);
    expect(validateListing(aListing({ quote: {} }))).toEqual({ ok: false, reasons: ['quote.USD: missing'] });
    expect(validateListing('nope')).toEqual({ ok: false, reasons: ['listing is not an object'] });
  });

  it('rejects implausible values: non-positive price, negative volume, infinite cap, a bad time', () => {
    expect(validateListing(aListing({}, { price: 0 })).ok).toBe(false);
    expect(validateListing(aListing({}, { volume_24h: -1 })).ok).toBe(false);
    expect(validateListing(aListing({}, { market_cap: 1e18 })).ok).toBe(false);
    expect(validateListing(aListing({}, { last_updated: 'yesterday' })).ok).toBe(false);
  });

  it('drops bad optional fields to null and records the issues', () => {
    const result = validateListing(
      aListing(
        { total_supply: null, max_supply: -5, circulating_supply: 5e14 },
        { percent_change_1h: -150, percent_change_7d: null },
      ),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.listing.circulatingSupply).toBeNull();
    expect(result.listing.maxSupply).toBeNull();
    expect(result.listing.percentChange1h).toBeNull();
    expect(result.listing.issues).toEqual([
      'circulating_supply_invalid',
      'total_supply_missing',
      'max_supply_invalid',
      'percent_change_1h_invalid',
      'percent_change_7d_missing',
    ]);
  });

  it('records a market cap that disagrees with price x circulating supply, and zero cap and volume', () => {
    const inconsistent = validateListing(aListing({}, { market_cap: 800_000_000_000 }));
    expect(inconsistent.ok && inconsistent.listing.issues).toEqual(['market_cap_inconsistent']);
    const zero = validateListing(aListing({}, { market_cap: 0, volume_24h: 0 }));
    expect(zero.ok && zero.listing.issues).toEqual(['market_cap_zero', 'volume_zero']);
  });
});
