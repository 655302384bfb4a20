import type { Venue } from '@mdp/schemas';
import { AlpacaFrameAdapter } from './adapters/alpaca-frame.adapter';
import { BinanceFrameAdapter } from './adapters/binance-frame.adapter';
import { BybitFrameAdapter } from './adapters/bybit-frame.adapter';
import { HyperliquidFrameAdapter } from './adapters/hyperliquid-frame.adapter';
import { OkxFrameAdapter } from './adapters/okx-frame.adapter';
import { InstrumentCatalog } from './instrument-catalog';
import type { VenueAdapter } from './venue-adapter';

export interface VenueAdapterSettings {
  /** Crypto base assets (BTC, ETH, HYPE). */
  bases: readonly string[];
  /** Stock tickers for Alpaca. */
  stocks: readonly string[];
  okxContractValues: Readonly<Record<string, number>>;
  alpaca: { keyId: string; secretKey: string };
}

export type LiveVenue = Exclude<Venue, 'synthetic'>;

/** A fresh adapter (fresh state) for one venue session or one replay. */
export function createVenueAdapter(venue: LiveVenue, settings: VenueAdapterSettings): VenueAdapter {
  switch (venue) {
    case 'binance':
      return new BinanceFrameAdapter(InstrumentCatalog.forVenue('binance', settings.bases));
    case 'hyperliquid':
      return new HyperliquidFrameAdapter(InstrumentCatalog.forVenue('hyperliquid', settings.bases));
    case 'bybit':
      return new BybitFrameAdapter(InstrumentCatalog.forVenue('bybit', settings.bases));
    case 'okx':
      return new OkxFrameAdapter(
        InstrumentCatalog.forVenue('okx', settings.bases, settings.okxContractValues),
      );
    case 'alpaca':
      return new AlpacaFrameAdapter(InstrumentCatalog.forVenue('alpaca', settings.stocks), settings.alpaca);
    default: {
      const never: never = venue;
      throw new Error(`no adapter for ${String(never)}`);
    }
  }
}
