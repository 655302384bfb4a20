import { ApiProperty } from '@nestjs/swagger';
import { VELOCITY_TIMEFRAMES } from '@mdp/data-access-tokens';
import { VELOCITY_TRENDS } from '@mdp/schemas';

/** OpenAPI shapes of the token answers (the cached JSON of seed 003's `token:*`, `tokens:list:*`, `velocity:*`). */
export class TokenSummaryView {
  @ApiProperty() id!: number;
  @ApiProperty() symbol!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'CoinMarketCap rank (null when read back from the warm store)',
  })
  rank!: number | null;
  @ApiProperty({ description: 'USD' }) price!: number;
  @ApiProperty({ description: 'USD' }) market_cap!: number;
  @ApiProperty({ description: 'USD' }) volume_24h!: number;
  @ApiProperty({ type: Number, nullable: true }) percent_change_24h!: number | null;
  @ApiProperty({ description: '24h volume / market cap' }) velocity!: number;
  @ApiProperty({ enum: VELOCITY_TRENDS }) trend!: string;
  @ApiProperty({ description: 'Quote time, ISO-8601' }) last_updated!: string;
  @ApiProperty({ description: 'The quote was older than the freshness limit' }) stale!: boolean;
}

export class TokenView {
  @ApiProperty() id!: number;
  @ApiProperty() cmc_id!: number;
  @ApiProperty() name!: string;
  @ApiProperty() symbol!: string;
  @ApiProperty() slug!: string;
  @ApiProperty({ type: Number, nullable: true }) rank!: number | null;
  @ApiProperty() price!: number;
  @ApiProperty() market_cap!: number;
  @ApiProperty() volume_24h!: number;
  @ApiProperty({ type: Number, nullable: true }) percent_change_1h!: number | null;
  @ApiProperty({ type: Number, nullable: true }) percent_change_24h!: number | null;
  @ApiProperty({ type: Number, nullable: true }) percent_change_7d!: number | null;
  @ApiProperty() velocity!: number;
  @ApiProperty({ enum: VELOCITY_TRENDS }) trend!: string;
  @ApiProperty() data_quality_score!: number;
  @ApiProperty() last_updated!: string;
  @ApiProperty() stale!: boolean;
}

export class VelocityView {
  @ApiProperty() token_id!: number;
  @ApiProperty({ enum: VELOCITY_TIMEFRAMES }) timeframe!: string;
  @ApiProperty({ description: 'The velocity of this timeframe' }) velocity!: number;
  @ApiProperty() velocity_1h!: number;
  @ApiProperty() velocity_4h!: number;
  @ApiProperty() velocity_12h!: number;
  @ApiProperty() velocity_24h!: number;
  @ApiProperty() velocity_7d!: number;
  @ApiProperty({ enum: VELOCITY_TRENDS }) trend!: string;
  @ApiProperty() data_quality_score!: number;
  @ApiProperty() stale!: boolean;
  @ApiProperty({ description: 'Quote time the velocities were computed from, ISO-8601' })
  calculated_at!: string;
}

export class VelocityPointView {
  @ApiProperty({ description: 'Quote time, ISO-8601' }) timestamp!: string;
  @ApiProperty({ type: Number, nullable: true }) velocity!: number | null;
  @ApiProperty({ type: Number, nullable: true }) velocity_1h!: number | null;
  @ApiProperty({ type: Number, nullable: true }) velocity_4h!: number | null;
  @ApiProperty({ type: Number, nullable: true }) velocity_12h!: number | null;
  @ApiProperty({ type: Number, nullable: true }) velocity_7d!: number | null;
  @ApiProperty({ type: Number, nullable: true }) price_usd!: number | null;
  @ApiProperty({ type: Number, nullable: true }) market_cap_usd!: number | null;
  @ApiProperty({ type: Number, nullable: true }) volume_24h_usd!: number | null;
  @ApiProperty({ type: Number, nullable: true }) data_quality_score!: number | null;
}
