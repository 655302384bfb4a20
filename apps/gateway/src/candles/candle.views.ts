import { ApiProperty } from '@nestjs/swagger';
import { TIMEFRAMES } from '@mdp/schemas';

/** A closed candle from the warm store (the 1m table or an aggregate). */
export class StoredCandleView {
  @ApiProperty() symbol!: string;
  @ApiProperty({ example: 'all' }) exchange!: string;
  @ApiProperty({ description: 'Period start, epoch ms' }) openTime!: number;
  @ApiProperty() open!: number;
  @ApiProperty() high!: number;
  @ApiProperty() low!: number;
  @ApiProperty() close!: number;
  @ApiProperty({ description: 'Base units' }) volume!: number;
  @ApiProperty() notionalUsd!: number;
  @ApiProperty() trades!: number;
  @ApiProperty({ description: '1m candles in the period (1 for a 1m candle)' }) candles!: number;
}

/** The period in progress, from Redis `candle:current:<TIMEFRAME>:<SYMBOL>`. */
export class LiveCandleView {
  @ApiProperty() symbol!: string;
  @ApiProperty() exchange!: string;
  @ApiProperty({ enum: TIMEFRAMES }) timeframe!: string;
  @ApiProperty({ description: 'Period start, epoch ms' }) openTime!: number;
  @ApiProperty() open!: number;
  @ApiProperty() high!: number;
  @ApiProperty() low!: number;
  @ApiProperty() close!: number;
  @ApiProperty() volume!: number;
  @ApiProperty() notionalUsd!: number;
  @ApiProperty() trades!: number;
  @ApiProperty({ description: 'The period has ended (kept until the next one starts)' }) closed!: boolean;
}

export class CandlesView {
  @ApiProperty() symbol!: string;
  @ApiProperty() exchange!: string;
  @ApiProperty({ enum: TIMEFRAMES }) timeframe!: string;
  @ApiProperty({ type: StoredCandleView, isArray: true, description: 'Closed candles, oldest first' })
  candles!: StoredCandleView[];
  @ApiProperty({
    type: LiveCandleView,
    nullable: true,
    description: 'The candle in progress when it falls in the range and is newer than the last stored one',
  })
  live!: LiveCandleView | null;
}
