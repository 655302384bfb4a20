import { IsIn, IsInt, IsNumber, IsString, Matches, MaxLength, Min } from 'class-validator';
import { defineStream } from '../stream-definition';
import { SIDES, SYMBOL_PATTERN, type Side } from '../vocabulary';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

export const SIGNAL_REASONS = ['liquidation_long', 'liquidation_short'] as const;
export type SignalReason = (typeof SIGNAL_REASONS)[number];

/** A trading signal from a liquidation far from VWAP (seed 001). */
export class LiquidationSignalMessage {
  /** Deterministic id (derived from the liquidation's eventId), so a redelivery is recognisable. */
  @IsString()
  @MaxLength(160)
  signalId!: string;

  @Matches(SYMBOL_PATTERN)
  symbol!: string;

  /** Side to trade: `buy` after forced sells below VWAP, `sell` after forced buys above VWAP. */
  @IsIn(SIDES)
  side!: Side;

  @IsIn(SIGNAL_REASONS)
  entryReason!: SignalReason;

  @IsNumber(FINITE)
  @Min(Number.MIN_VALUE)
  vwap!: number;

  /** (price - vwap) / vwap * 100, in percent. */
  @IsNumber(FINITE)
  vwapDeviation!: number;

  /** Liquidation notional in USD. */
  @IsNumber(FINITE)
  @Min(0)
  liquidationSize!: number;

  @IsString()
  @MaxLength(128)
  liquidationEventId!: string;

  @IsNumber(FINITE)
  @Min(Number.MIN_VALUE)
  price!: number;

  /** Time of the liquidation, epoch ms. */
  @IsInt()
  @Min(0)
  ts!: number;
}

export const LiquidationSignalStream = defineStream({
  name: 'signals',
  type: 'liquidation-signal',
  version: 1,
  messageClass: LiquidationSignalMessage,
});
