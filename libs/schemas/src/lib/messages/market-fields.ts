import { IsIn, IsInt, IsString, Matches, MaxLength, Min } from 'class-validator';
import { MARKETS, SYMBOL_PATTERN, VENUES, type Market, type Venue } from '../vocabulary';

/** Fields every market event carries: where it came from, which instrument, and when. */
export abstract class MarketEventFields {
  /** Venue id (`synthetic` for the generator). */
  @IsIn(VENUES)
  exchange!: Venue;

  @IsIn(MARKETS)
  market!: Market;

  /** Canonical symbol `BASE-QUOTE`, e.g. `BTC-USDT`, `AAPL-USD`. */
  @Matches(SYMBOL_PATTERN)
  symbol!: string;

  /** Base asset, e.g. `BTC`; the coin of seed 000 and the asset of seed 001's thresholds. */
  @Matches(SYMBOL_PATTERN)
  base!: string;

  /** Quote currency, e.g. `USDT`. */
  @Matches(SYMBOL_PATTERN)
  quote!: string;

  /** The venue's own instrument name, e.g. `BTCUSDT`, `BTC-USDT-SWAP`, `BTC`. */
  @IsString()
  @MaxLength(64)
  venueSymbol!: string;

  /** Venue event time, epoch ms. */
  @IsInt()
  @Min(0)
  ts!: number;

  /** Time the ingestion service received the frame, epoch ms. */
  @IsInt()
  @Min(0)
  recvTs!: number;
}
