import { IsIn, IsInt, IsNumber, IsString, Max, MaxLength, Min } from 'class-validator';
import { defineStream } from '../stream-definition';
import { VELOCITY_TRENDS, type VelocityTrend } from '../vocabulary';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

/** A token's latest metrics after a poll (seed 003), for WebSocket broadcast. */
export class TokenUpdateMessage {
  @IsInt()
  @Min(1)
  tokenId!: number;

  @IsInt()
  @Min(1)
  cmcId!: number;

  @IsString()
  @MaxLength(50)
  symbol!: string;

  @IsString()
  @MaxLength(255)
  name!: string;

  @IsNumber(FINITE)
  @Min(0)
  priceUsd!: number;

  @IsNumber(FINITE)
  @Min(0)
  marketCapUsd!: number;

  @IsNumber(FINITE)
  @Min(0)
  volume24hUsd!: number;

  /** volume24hUsd / marketCapUsd, capped at 100, 8 decimals. */
  @IsNumber(FINITE)
  @Min(0)
  @Max(100)
  velocity!: number;

  @IsIn(VELOCITY_TRENDS)
  trend!: VelocityTrend;

  @IsNumber(FINITE)
  @Min(0)
  @Max(1)
  dataQualityScore!: number;

  /** Time of the quote, epoch ms. */
  @IsInt()
  @Min(0)
  ts!: number;
}

export const TokenUpdateStream = defineStream({
  name: 'token-updates',
  type: 'token-update',
  version: 1,
  messageClass: TokenUpdateMessage,
});
