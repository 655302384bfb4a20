import { IsBoolean, IsIn, IsNumber, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { defineStream } from '../stream-definition';
import { SIDES, type Side } from '../vocabulary';
import { MarketEventFields } from './market-fields';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

/** One executed trade, normalized across venues. */
export class TradeMessage extends MarketEventFields {
  /** The venue's trade id (aggregate trade id on Binance); unique per exchange and venueSymbol. */
  @IsString()
  @MaxLength(64)
  tradeId!: string;

  /** Quote currency per base unit. */
  @IsNumber(FINITE)
  @Min(Number.MIN_VALUE)
  price!: number;

  /** Base units. */
  @IsNumber(FINITE)
  @Min(Number.MIN_VALUE)
  size!: number;

  /** price * size in USD. */
  @IsNumber(FINITE)
  @Min(0)
  notionalUsd!: number;

  /** Aggressor side. */
  @IsIn(SIDES)
  side!: Side;

  /** True when the trade was fetched from a REST history endpoint to fill a gap. */
  @IsOptional()
  @IsBoolean()
  backfill?: boolean;
}

export const TradeStream = defineStream({
  name: 'trades',
  type: 'trade',
  version: 1,
  messageClass: TradeMessage,
});
