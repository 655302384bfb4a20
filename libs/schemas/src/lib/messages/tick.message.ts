import { IsNumber, IsOptional, Min } from 'class-validator';
import { defineStream } from '../stream-definition';
import { MarketEventFields } from './market-fields';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

/** Latest quote and/or last price of an instrument (best bid/ask in quote currency, sizes in base units). */
export class TickMessage extends MarketEventFields {
  @IsNumber(FINITE)
  @Min(Number.MIN_VALUE)
  last!: number;

  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  bid?: number;

  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  ask?: number;

  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  bidSize?: number;

  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  askSize?: number;
}

export const TickStream = defineStream({
  name: 'ticks',
  type: 'tick',
  version: 1,
  messageClass: TickMessage,
});
