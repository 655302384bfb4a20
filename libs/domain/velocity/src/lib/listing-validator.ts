import type { ValidatedListing } from './validated-listing.model';

/**
 * Plausible ranges. The upper bounds are also what the seed 003 columns can hold: price
 * DECIMAL(20,8) < 1e12, market cap and volume DECIMAL(20,2) < 1e18, supplies DECIMAL(20,8) < 1e12,
 * percent changes DECIMAL(10,4) < 1e6.
 */
export const LISTING_LIMITS = {
  maxPriceUsd: 1e12,
  maxUsdAmount: 1e18,
  maxSupply: 1e12,
  minPercentChange: -100,
  maxPercentChange: 1e6,
  maxCmcId: 2_147_483_647,
} as const;

export type ListingValidation = { ok: true; listing: ValidatedListing } | { ok: false; reasons: string[] };

/**
 * Validates one element of `data` from `listings/latest`: completeness (identity, price, market
 * cap, 24h volume, quote time), types and plausible ranges. A listing missing or breaking a
 * required field is rejected with the reasons; an optional field (supplies, percent changes, rank,
 * date added) that is malformed or out of range is dropped to null and recorded as an issue, which
 * lowers the data-quality score. A market cap that disagrees with price x circulating supply by more
 * than 5 % is kept and recorded (`market_cap_inconsistent`).
 */
export function validateListing(raw: unknown): ListingValidation {
  const reasons: string[] = [];
  if (!isRecord(raw)) return { ok: false, reasons: ['listing is not an object'] };
  const issues: string[] = [];
  const id = raw['id'];
  if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > LISTING_LIMITS.maxCmcId) {
    reasons.push(`id: expected a positive 32-bit integer, got ${show(id)}`);
  }
  const name = text(raw, 'name', 255, reasons);
  const symbol = text(raw, 'symbol', 50, reasons);
  const slug = text(raw, 'slug', 255, reasons);
  const quote = isRecord(raw['quote']) ? raw['quote']['USD'] : undefined;
  if (!isRecord(quote)) {
    reasons.push('quote.USD: missing');
    return { ok: false, reasons };
  }
  const price = amount(quote, 'price', 0, LISTING_LIMITS.maxPriceUsd, reasons, true);
  const marketCap = amount(quote, 'market_cap', 0, LISTING_LIMITS.maxUsdAmount, reasons, false);
  const volume = amount(quote, 'volume_24h', 0, LISTING_LIMITS.maxUsdAmount, reasons, false);
  const lastUpdated = time(quote['last_updated'] ?? raw['last_updated']);
  if (lastUpdated === null) {
    reasons.push(`quote.USD.last_updated: expected an ISO-8601 time, got ${show(quote['last_updated'])}`);
  }
  if (reasons.length > 0) return { ok: false, reasons };

  const circulatingSupply = optional(raw, 'circulating_supply', 0, LISTING_LIMITS.maxSupply, issues, true);
  const totalSupply = optional(raw, 'total_supply', 0, LISTING_LIMITS.maxSupply, issues, true);
  const maxSupply = optional(raw, 'max_supply', 0, LISTING_LIMITS.maxSupply, issues, false);
  const change = (field: string) =>
    optional(quote, field, LISTING_LIMITS.minPercentChange, LISTING_LIMITS.maxPercentChange, issues, true);
  const percentChange1h = change('percent_change_1h');
  const percentChange24h = change('percent_change_24h');
  const percentChange7d = change('percent_change_7d');
  const rank = raw['cmc_rank'];
  const cmcRank = Number.isInteger(rank) && (rank as number) > 0 ? (rank as number) : null;
  const dateAdded =
    raw['date_added'] === null || raw['date_added'] === undefined ? null : time(raw['date_added']);
  if (marketCap === 0) issues.push('market_cap_zero');
  if (volume === 0) issues.push('volume_zero');
  if (circulatingSupply !== null && circulatingSupply > 0 && marketCap! > 0) {
    const implied = price! * circulatingSupply;
    if (Math.abs(implied - marketCap!) / marketCap! > 0.05) issues.push('market_cap_inconsistent');
  }
  return {
    ok: true,
    listing: {
      cmcId: id as number,
      name: name!,
      symbol: symbol!,
      slug: slug!,
      cmcRank,
      dateAdded,
      priceUsd: price!,
      marketCapUsd: marketCap!,
      volume24hUsd: volume!,
      circulatingSupply,
      totalSupply,
      maxSupply,
      percentChange1h,
      percentChange24h,
      percentChange7d,
      lastUpdated: lastUpdated!,
      issues,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function text(source: Record<string, unknown>, field: string, max: number, reasons: string[]): string | null {
  const value = source[field];
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    reasons.push(`${field}: expected a non-empty string of at most ${max} characters, got ${show(value)}`);
    return null;
  }
  return value;
}

function amount(
  source: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  reasons: string[],
  positive: boolean,
): number | null {
  const value = source[field];
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value >= max ||
    (positive && value <= 0)
  ) {
    reasons.push(
      `quote.USD.${field}: expected a finite number ${positive ? '>' : '>='} ${min} and < ${max}, got ${show(value)}`,
    );
    return null;
  }
  return value;
}

/** An optional number: null stays null (issue `<field>_missing` when `reportMissing`), a bad value becomes null (`<field>_invalid`). */
function optional(
  source: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  issues: string[],
  reportMissing: boolean,
): number | null {
  const value = source[field];
  if (value === null || value === undefined) {
    if (reportMissing) issues.push(`${field}_missing`);
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value >= max) {
    issues.push(`${field}_invalid`);
    return null;
  }
  return value;
}

function time(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}
