import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { SYMBOL_PATTERN } from '@mdp/schemas';
import { EpochMsQuery } from '../http/epoch-ms-query.decorator';
import { IntegerQuery } from '../http/integer-query.transform';

export const MAX_RECENT_LIQUIDATIONS = 1_000;
export const MAX_HISTORY_LIQUIDATIONS = 10_000;
export const MAX_RECENT_SIGNALS = 1_000;
/** Statistics windows: minute buckets up to 120 min, whole hours up to 24 h (the hour buckets live 25 h). */
export const MAX_STATS_WINDOW_MINUTES = 1_440;

const SYMBOL_MESSAGE = '$property must be a canonical symbol BASE-QUOTE such as BTC-USDT (A-Z 0-9 . _ -)';
const SYMBOL_DOC = { description: 'Canonical symbol (BASE-QUOTE)', example: 'BTC-USDT' };

/** `?symbol=` */
export class LiquidationSymbolQuery {
  @ApiProperty(SYMBOL_DOC)
  @IsString()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol!: string;
}

/** `/:symbol` */
export class LiquidationSymbolParams {
  @ApiProperty(SYMBOL_DOC)
  @IsString()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol!: string;
}

/** `GET /api/liquidations/recent?symbol=&limit=` */
export class RecentLiquidationsQuery extends LiquidationSymbolQuery {
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: MAX_RECENT_LIQUIDATIONS })
  @IsOptional()
  @IntegerQuery()
  @IsInt()
  @Min(1)
  @Max(MAX_RECENT_LIQUIDATIONS)
  limit: number = 100;
}

/** `GET /api/liquidations/stats?symbol=&window=` */
export class LiquidationStatsQuery extends LiquidationSymbolQuery {
  @ApiPropertyOptional({
    default: 60,
    minimum: 1,
    maximum: MAX_STATS_WINDOW_MINUTES,
    description:
      "Window in minutes (the seed's window_minutes): 1-120 from minute buckets, beyond that whole hours (a multiple of 60) up to 1440 from hour buckets",
  })
  @IsOptional()
  @IntegerQuery()
  @IsInt({ message: '$property must be a whole number of minutes' })
  @Min(1)
  @Max(MAX_STATS_WINDOW_MINUTES)
  window: number = 60;
}

/** `GET /api/liquidations/history?symbol=&start=&end=&limit=` */
export class LiquidationHistoryQuery extends LiquidationSymbolQuery {
  @ApiProperty({ description: 'Earliest liquidation time, epoch ms (inclusive)', example: 1700000000000 })
  @EpochMsQuery()
  start!: number;

  @ApiProperty({
    description: 'Latest liquidation time, epoch ms (inclusive), not before start',
    example: 1700003600000,
  })
  @EpochMsQuery()
  end!: number;

  @ApiPropertyOptional({ default: 1_000, minimum: 1, maximum: MAX_HISTORY_LIQUIDATIONS })
  @IsOptional()
  @IntegerQuery()
  @IsInt()
  @Min(1)
  @Max(MAX_HISTORY_LIQUIDATIONS)
  limit: number = 1_000;
}

/** `GET /api/signals/recent?symbol=&limit=` */
export class RecentSignalsQuery {
  @ApiPropertyOptional({
    description: 'Only this symbol (BASE-QUOTE); every symbol when absent',
    example: 'BTC-USDT',
  })
  @IsOptional()
  @IsString()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: MAX_RECENT_SIGNALS })
  @IsOptional()
  @IntegerQuery()
  @IsInt()
  @Min(1)
  @Max(MAX_RECENT_SIGNALS)
  limit: number = 50;
}
