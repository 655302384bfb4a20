import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  Matches,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { FLOW_WINDOWS, SYMBOL_PATTERN, type FlowWindow } from '@mdp/schemas';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

/** Seed 000 LiquidityNode. */
export class LiquidityNodeDto {
  @IsNumber(FINITE) @Min(0) price!: number;
  @IsNumber(FINITE) @Min(0) buyVolume!: number;
  @IsNumber(FINITE) @Min(0) sellVolume!: number;
  @IsNumber(FINITE) netFlow!: number;
  @IsInt() @Min(0) buyCount!: number;
  @IsInt() @Min(0) sellCount!: number;
  @IsIn(['buy', 'sell', 'neutral']) dominantSide!: 'buy' | 'sell' | 'neutral';
  @IsBoolean() whaleActivity!: boolean;
  @IsInt() @Min(0) liquidations!: number;
  @IsInt() @Min(-1) timestamp!: number;
}

/** Seed 000 metrics: all 24. */
export class FlowMetricsDto {
  @IsNumber(FINITE) @Min(0) totalBuyVolume!: number;
  @IsNumber(FINITE) @Min(0) totalSellVolume!: number;
  @IsNumber(FINITE) @Min(0) totalBuyNotional!: number;
  @IsNumber(FINITE) @Min(0) totalSellNotional!: number;
  @IsNumber(FINITE) netFlow!: number;
  @IsIn(['inflow', 'outflow', 'neutral']) flowDirection!: 'inflow' | 'outflow' | 'neutral';
  @IsInt() @Min(0) totalTrades!: number;
  @IsInt() @Min(0) buyTradeCount!: number;
  @IsInt() @Min(0) sellTradeCount!: number;
  @IsNumber(FINITE) @Min(0) avgTradeSize!: number;
  @IsInt() @Min(0) whaleTradeCount!: number;
  @IsNumber(FINITE) @Min(0) whaleBuyVolume!: number;
  @IsNumber(FINITE) @Min(0) whaleSellVolume!: number;
  @IsNumber(FINITE) whaleNetFlow!: number;
  @IsInt() @Min(0) totalLiquidations!: number;
  @IsInt() @Min(0) longLiquidations!: number;
  @IsInt() @Min(0) shortLiquidations!: number;
  @IsNumber(FINITE) @Min(0) totalLiquidationVolume!: number;
  @ValidateIf((_, value) => value !== null) @IsNumber(FINITE) highestBuyLevel!: number | null;
  @ValidateIf((_, value) => value !== null) @IsNumber(FINITE) highestSellLevel!: number | null;
  @ValidateIf((_, value) => value !== null) @IsNumber(FINITE) mostActivePrice!: number | null;
  @IsNumber(FINITE) @Min(-1) volumeImbalance!: number;
  @IsNumber(FINITE) @Min(-1) tradeImbalance!: number;
  @IsNumber(FINITE) @Min(-1) whaleImbalance!: number;
}

/** Seed 000 time-series point. */
export class FlowTimePointDto {
  @IsInt() @Min(0) timestamp!: number;
  @IsNumber(FINITE) netFlow!: number;
  @IsNumber(FINITE) @Min(0) buyVolume!: number;
  @IsNumber(FINITE) @Min(0) sellVolume!: number;
  @IsNumber(FINITE) whaleFlow!: number;
  @IsNumber(FINITE) @Min(0) liquidationVolume!: number;
  @IsNumber(FINITE) @Min(0) price!: number;
}

/** `data`: nodes are `[price, node]` pairs, checked by the validator (class-validator has no tuples). */
export class FlowDataDto {
  @IsArray() nodes!: unknown[];

  @IsObject()
  @ValidateNested()
  @Type(() => FlowMetricsDto)
  metrics!: FlowMetricsDto;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FlowTimePointDto)
  timeSeries!: FlowTimePointDto[];
}

/** Seed 000 StoredFlowData, as accepted by `store` (POST /api/liquidity-flow/store). */
export class StoredFlowDataDto {
  @Matches(/^liquidity-flow:[^:]+:[^:]+:\d+$/) key!: string;
  @Matches(SYMBOL_PATTERN) coin!: string;
  @IsIn(FLOW_WINDOWS) timeWindow!: FlowWindow;
  @IsInt() @Min(0) timestamp!: number;

  @IsObject()
  @ValidateNested()
  @Type(() => FlowDataDto)
  data!: FlowDataDto;

  @IsInt() @Min(0) expiresAt!: number;
}
