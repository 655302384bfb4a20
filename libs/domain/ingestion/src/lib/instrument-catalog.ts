import type { Market, Venue } from '@mdp/schemas';

/** One instrument as a venue names it and as the platform names it. */
export interface Instrument {
  venue: Venue;
  market: Market;
  /** The venue's own name: `BTCUSDT`, `BTC-USDT-SWAP`, `BTC`, `AAPL`. */
  venueSymbol: string;
  /** Canonical `BASE-QUOTE`. */
  symbol: string;
  base: string;
  quote: string;
  /** Base units per contract (OKX swaps); 1 where sizes are already in base units. */
  contractValue: number;
}

/**
 * The instruments a session subscribes to, looked up by the venue's name. Built from the base
 * assets of the configuration (`BTC`, `ETH`, `HYPE`; stock tickers for Alpaca).
 */
export class InstrumentCatalog {
  private readonly byVenueSymbol = new Map<string, Instrument>();
  /** What `get` finds, one per venue symbol (the last of the list, as the map keeps it). */
  private readonly found: readonly Instrument[];

  constructor(readonly instruments: readonly Instrument[]) {
    for (const instrument of instruments) this.byVenueSymbol.set(instrument.venueSymbol, instrument);
    this.found = [...this.byVenueSymbol.values()];
  }

  get(venueSymbol: string): Instrument | undefined {
    return this.byVenueSymbol.get(venueSymbol);
  }

  /**
   * `get(text.slice(start, end))` without making that string when the catalog is small (a frame
   * text reader's lookup): a few instruments are compared character by character.
   */
  getIn(text: string, start: number, end: number): Instrument | undefined {
    const instruments = this.found;
    if (instruments.length > 8) return this.byVenueSymbol.get(text.slice(start, end));
    const length = end - start;
    for (let i = 0; i < instruments.length; i++) {
      const instrument = instruments[i]!;
      const name = instrument.venueSymbol;
      if (name.length !== length) continue;
      let j = 0;
      while (j < length && text.charCodeAt(start + j) === name.charCodeAt(j)) j++;
      if (j === length) return instrument;
    }
    return undefined;
  }

  /**
   * The instruments of one venue for the given bases. `contractValues` maps an OKX instrument id to
   * its contract value (`ctVal` of /api/v5/public/instruments); an OKX instrument without one is left out.
   */
  static forVenue(
    venue: Venue,
    bases: readonly string[],
    contractValues: Readonly<Record<string, number>> = {},
  ): InstrumentCatalog {
    const list: Instrument[] = [];
    for (const base of bases) {
      switch (venue) {
        case 'binance':
        case 'bybit':
          list.push({
            venue,
            market: 'perp',
            venueSymbol: `${base}USDT`,
            symbol: `${base}-USDT`,
            base,
            quote: 'USDT',
            contractValue: 1,
          });
          break;
        case 'okx': {
          const venueSymbol = `${base}-USDT-SWAP`;
          const contractValue = contractValues[venueSymbol];
          if (contractValue !== undefined && contractValue > 0) {
            list.push({
              venue,
              market: 'perp',
              venueSymbol,
              symbol: `${base}-USDT`,
              base,
              quote: 'USDT',
              contractValue,
            });
          }
          break;
        }
        case 'hyperliquid':
          list.push({
            venue,
            market: 'perp',
            venueSymbol: base,
            symbol: `${base}-USDC`,
            base,
            quote: 'USDC',
            contractValue: 1,
          });
          break;
        case 'alpaca':
          list.push({
            venue,
            market: 'stock',
            venueSymbol: base,
            symbol: `${base}-USD`,
            base,
            quote: 'USD',
            contractValue: 1,
          });
          break;
        case 'synthetic':
          list.push({
            venue,
            market: 'perp',
            venueSymbol: base,
            symbol: `${base}-USD`,
            base,
            quote: 'USD',
            contractValue: 1,
          });
          break;
        default: {
          const never: never = venue;
          throw new Error(`unknown venue ${String(never)}`);
        }
      }
    }
    return new InstrumentCatalog(list);
  }
}

/** Contract values of OKX USDT swaps as published by /api/v5/public/instruments (ctVal, in base units). */
export const OKX_DEFAULT_CONTRACT_VALUES: Readonly<Record<string, number>> = {
  'BTC-USDT-SWAP': 0.01,
  'ETH-USDT-SWAP': 0.1,
};
