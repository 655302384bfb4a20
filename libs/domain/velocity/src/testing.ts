import type { ValidatedListing } from './lib/validated-listing.model';

/**
 * For tests: a validated CoinMarketCap listing of token `cmcId` quoted at `lastUpdated`, price 2,
 * circulating and total supply half the market cap, with `overrides` applied.
 */
export function aValidatedListing(
  cmcId: number,
  lastUpdated: number,
  overrides: Partial<ValidatedListing> = {},
): ValidatedListing {
  const marketCapUsd = overrides.marketCapUsd ?? 1_000_000;
  return Object.assign(
    {
      cmcId,
      name: `Token ${cmcId}`,
      symbol: `T${cmcId}`,
      slug: `token-${cmcId}`,
      cmcRank: cmcId,
      dateAdded: Date.UTC(2020, 0, 1),
      priceUsd: 2,
      marketCapUsd,
      volume24hUsd: 100_000,
      circulatingSupply: marketCapUsd / 2,
      totalSupply: marketCapUsd / 2,
      maxSupply: null,
      percentChange1h: 0.5,
      percentChange24h: -1.25,
      percentChange7d: 3,
      lastUpdated,
      issues: [],
    },
    overrides,
  );
}
