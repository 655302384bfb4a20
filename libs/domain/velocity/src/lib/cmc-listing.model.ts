/**
 * The CoinMarketCap Pro API shapes the poller reads (`GET /v1/cryptocurrency/listings/latest`), as
 * documented by CoinMarketCap: every response carries a `status` envelope; `data` is present on
 * success. Values arrive as JSON and are validated before use (`validateListing`), so every field
 * here is what the API promises, not what the poller trusts.
 */
export interface CmcStatus {
  timestamp: string;
  /** 0 on success; 1001-1011 key, plan and rate-limit errors; 400 / 500 mirror the HTTP status. */
  error_code: number;
  error_message: string | null;
  elapsed: number;
  /** API credits this call consumed. */
  credit_count: number;
  notice: string | null;
  total_count?: number;
}

export interface CmcUsdQuote {
  price: number | null;
  volume_24h: number | null;
  volume_change_24h?: number | null;
  percent_change_1h: number | null;
  percent_change_24h: number | null;
  percent_change_7d: number | null;
  percent_change_30d?: number | null;
  market_cap: number | null;
  market_cap_dominance?: number | null;
  fully_diluted_market_cap?: number | null;
  last_updated: string;
}

export interface CmcListing {
  id: number;
  name: string;
  symbol: string;
  slug: string;
  cmc_rank: number | null;
  num_market_pairs?: number;
  circulating_supply: number | null;
  total_supply: number | null;
  max_supply: number | null;
  infinite_supply?: boolean;
  last_updated: string;
  date_added: string | null;
  tags?: string[];
  platform?: unknown;
  quote: { USD: CmcUsdQuote };
}

export interface CmcListingsResponse {
  status: CmcStatus;
  data?: CmcListing[];
}
