/** A listing that passed validation: every required field present, typed and within range. */
export interface ValidatedListing {
  cmcId: number;
  name: string;
  symbol: string;
  slug: string;
  cmcRank: number | null;
  /** Epoch ms, null when CoinMarketCap gives none. */
  dateAdded: number | null;
  priceUsd: number;
  marketCapUsd: number;
  volume24hUsd: number;
  circulatingSupply: number | null;
  totalSupply: number | null;
  maxSupply: number | null;
  percentChange1h: number | null;
  percentChange24h: number | null;
  percentChange7d: number | null;
  /** Time of the quote (the USD quote's `last_updated`), epoch ms. */
  lastUpdated: number;
  /** Data-quality issues found while validating (optional fields nulled, inconsistencies). */
  issues: string[];
}
