import { IsBoolean, IsIn, IsInt, IsNumber, IsString, Matches, MaxLength, Min } from 'class-validator';
import { defineStream } from '../stream-definition';
import { SYMBOL_PATTERN, TIMEFRAMES, type Timeframe } from '../vocabulary';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

/** An OHLCV candle; `closed` is true once its period has ended and it will not change again. */
export class CandleMessage {
  @Matches(SYMBOL_PATTERN)
  symbol!: string;

  /** Venue id, or `all` for a candle built from every venue's trades. */
  @IsString()
  @MaxLength(32)
  exchange!: string;

  @IsIn(TIMEFRAMES)
  timeframe!: Timeframe;

  /** Start of the period, epoch ms, aligned to the timeframe. */
  @IsInt()
  @Min(0)
  openTime!: number;

  @IsNumber(FINITE)
  @Min(0)
  open!: number;

  @IsNumber(FINITE)
  @Min(0)
  high!: number;

  @IsNumber(FINITE)
  @Min(0)
  low!: number;

  @IsNumber(FINITE)
  @Min(0)
  close!: number;

  /** Base units traded. */
  @IsNumber(FINITE)
  @Min(0)
  volume!: number;

  /** USD traded. */
  @IsNumber(FINITE)
  @Min(0)
  notionalUsd!: number;

  @IsInt()
  @Min(0)
  trades!: number;

  @IsBoolean()
  closed!: boolean;
}

export const CandleStream = defineStream({
  name: 'candles',
  type: 'candle',
  version: 1,
  messageClass: CandleMessage,
});
