import type { CmcListing } from '@mdp/domain-velocity';

/** Well-known names for the first listings; the rest are generated (`Token 0042`, `TK0042`). */
const KNOWN: Array<[string, string, number, number]> = [
  // name, symbol, price USD, circulating supply
  ['Bitcoin', 'BTC', 67_000, 19_700_000],
  ['Ethereum', 'ETH', 3_400, 120_200_000],
  ['Tether USDt', 'USDT', 1, 112_000_000_000],
  ['BNB', 'BNB', 590, 146_000_000],
  ['Solana', 'SOL', 150, 462_000_000],
  ['USDC', 'USDC', 1, 33_000_000_000],
  ['XRP', 'XRP', 0.52, 55_800_000_000],
  ['Dogecoin', 'DOGE', 0.15, 145_000_000_000],
  ['Toncoin', 'TON', 7.1, 2_500_000_000],
  ['Cardano', 'ADA', 0.45, 35_700_000_000],
  ['Shiba Inu', 'SHIB', 0.000024, 589_000_000_000_000],
  ['Avalanche', 'AVAX', 35, 393_000_000],
  ['TRON', 'TRX', 0.12, 87_400_000_000],
  ['Polkadot', 'DOT', 7.2, 1_400_000_000],
  ['Chainlink', 'LINK', 16, 587_000_000],
  ['Hyperliquid', 'HYPE', 28, 334_000_000],
];

interface TokenState {
  id: number;
  name: string;
  symbol: string;
  slug: string;
  price: number;
  supply: number;
  totalSupply: number;
  maxSupply: number | null;
  /** Typical share of the market cap traded in 24 h. */
  turnover: number;
  volume: number;
  price1h: number;
  price24h: number;
  price7d: number;
  dateAdded: string;
}

/**
 * Realistic CoinMarketCap listings for the stand-in: a fixed universe of `count` tokens (the known
 * majors, then generated ones with log-normal prices and supplies), whose prices follow a random walk
 * and whose 24h volumes move around a per-token turnover, advanced by the wall-clock time between
 * snapshots. Deterministic for a given seed and sequence of snapshot times.
 */
export class CmcListingsGenerator {
  private readonly tokens: TokenState[] = [];
  private lastMs: number | null = null;
  private state: number;

  constructor(
    readonly count = 500,
    seed = 7,
  ) {
    this.state = seed >>> 0 || 1;
    for (let i = 0; i < count; i++) {
      const known = KNOWN[i];
      const id = known ? i + 1 : 1_000 + i;
      const price = known ? known[2] : Math.exp(this.normal() * 2.5 - 1);
      const supply = known ? known[3] : Math.exp(16 + this.normal() * 2.5);
      const padded = String(i + 1).padStart(4, '0');
      const capped = this.random() < 0.4;
      this.tokens.push({
        id,
        name: known ? known[0] : `Token ${padded}`,
        symbol: known ? known[1] : `TK${padded}`,
        slug: known ? known[0].toLowerCase().replace(/[^a-z0-9]+/g, '-') : `token-${padded}`,
        price,
        supply,
        totalSupply: supply * (1 + this.random() * 0.3),
        maxSupply: capped ? supply * (1.3 + this.random()) : null,
        turnover: Math.exp(-3.5 + this.normal() * 0.8),
        volume: 0,
        price1h: price,
        price24h: price,
        price7d: price,
        dateAdded: new Date(Date.UTC(2013 + (i % 12), i % 12, 1 + (i % 28))).toISOString(),
      });
    }
    for (const token of this.tokens) token.volume = token.price * token.supply * token.turnover;
  }

  /** The listings at `nowMs` (prices moved by the time since the last call), by market cap, `start` 1-based. */
  listings(nowMs: number, start = 1, limit = 100): CmcListing[] {
    this.advance(nowMs);
    const ranked = this.tokens.slice().sort((a, b) => b.price * b.supply - a.price * a.supply);
    const updated = new Date(nowMs).toISOString();
    const out: CmcListing[] = [];
    for (let i = start - 1; i < Math.min(ranked.length, start - 1 + limit); i++) {
      out.push(this.toListing(ranked[i]!, i + 1, updated));
    }
    return out;
  }

  private toListing(token: TokenState, rank: number, updated: string): CmcListing {
    const marketCap = token.price * token.supply;
    const pct = (from: number) => round((token.price / from - 1) * 100, 8);
    return {
      id: token.id,
      name: token.name,
      symbol: token.symbol,
      slug: token.slug,
      num_market_pairs: 10 + ((token.id * 37) % 900),
      date_added: token.dateAdded,
      tags: rank <= 20 ? ['mineable', 'layer-1'] : [],
      max_supply: token.maxSupply === null ? null : Math.round(token.maxSupply),
      circulating_supply: round(token.supply, 8),
      total_supply: round(token.totalSupply, 8),
      infinite_supply: token.maxSupply === null,
      platform: null,
      cmc_rank: rank,
      last_updated: updated,
      quote: {
        USD: {
          price: token.price,
          volume_24h: round(token.volume, 8),
          volume_change_24h: round(this.normal() * 5, 4),
          percent_change_1h: pct(token.price1h),
          percent_change_24h: pct(token.price24h),
          percent_change_7d: pct(token.price7d),
          percent_change_30d: pct(token.price7d),
          market_cap: round(marketCap, 8),
          market_cap_dominance: 0,
          fully_diluted_market_cap: round(token.price * (token.maxSupply ?? token.totalSupply), 2),
          last_updated: updated,
        },
      },
    };
  }

  private advance(nowMs: number): void {
    if (this.lastMs === null) {
      this.lastMs = nowMs;
      return;
    }
    const dtDays = Math.max(0, Math.min(1, (nowMs - this.lastMs) / 86_400_000));
    this.lastMs = nowMs;
    if (dtDays === 0) return;
    const w1h = Math.min(1, dtDays * 24);
    const w24h = dtDays;
    const w7d = dtDays / 7;
    for (const token of this.tokens) {
      const stable = token.symbol === 'USDT' || token.symbol === 'USDC';
      const sigma = stable ? 0.001 : 0.04 + (token.id % 7) * 0.01;
      token.price *= Math.exp(sigma * Math.sqrt(dtDays) * this.normal());
      const target = token.price * token.supply * token.turnover;
      // The 24h volume is a rolling sum, so it moves smoothly: a log random walk pulled back towards
      // the token's typical turnover (about 15 % an hour), with a rare burst of activity.
      const pull = Math.min(1, dtDays * 4);
      const burst = this.random() < dtDays * 2 ? 0.7 : 0; // about twice a day per token
      token.volume = Math.exp(
        Math.log(token.volume) +
          (Math.log(target) - Math.log(token.volume)) * pull +
          0.15 * Math.sqrt(dtDays * 24) * this.normal() +
          burst,
      );
      token.price1h += (token.price - token.price1h) * w1h;
      token.price24h += (token.price - token.price24h) * w24h;
      token.price7d += (token.price - token.price7d) * w7d;
    }
  }

  /** mulberry32 */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  private normal(): number {
    const u = Math.max(this.random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
