import { IsBoolean, IsIn, IsNumber, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { defineStream } from '../stream-definition';
import {
  LIQUIDATION_COMPLETENESS,
  LIQUIDATION_PRICE_KINDS,
  POSITION_SIDES,
  SIDES,
  type LiquidationCompleteness,
  type LiquidationPriceKind,
  type PositionSide,
  type Side,
} from '../vocabulary';
import { MarketEventFields } from './market-fields';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

/**
 * A forced liquidation, normalized so that venues agree:
 * `positionSide` is the side of the position that was liquidated and `orderSide` the side of the
 * forced order that closed it (a liquidated long is closed by a sell: long <-> sell, short <-> buy).
 */
export class LiquidationMessage extends MarketEventFields {
  /** Stable id: the venue's id where it sends one, else derived from the frame's fields. */
  @IsString()
  @MaxLength(128)
  eventId!: string;

  @IsIn(POSITION_SIDES)
  positionSide!: PositionSide;

  @IsIn(SIDES)
  orderSide!: Side;

  /** Quote currency per base unit; what kind of price is said by `priceKind`. */
  @IsNumber(FINITE)
  @Min(Number.MIN_VALUE)
  price!: number;

  @IsIn(LIQUIDATION_PRICE_KINDS)
  priceKind!: LiquidationPriceKind;

  /** Base units (contracts are converted at ingestion). */
  @IsNumber(FINITE)
  @Min(Number.MIN_VALUE)
  size!: number;

  /** price * size in USD. */
  @IsNumber(FINITE)
  @Min(0)
  notionalUsd!: number;

  /** How complete the venue's feed is, so totals can be read for what they are. */
  @IsIn(LIQUIDATION_COMPLETENESS)
  completeness!: LiquidationCompleteness;

  @IsOptional()
  @IsBoolean()
  backfill?: boolean;
}

export const LiquidationStream = defineStream({
  name: 'liquidations',
  type: 'liquidation',
  version: 1,
  messageClass: LiquidationMessage,
});
