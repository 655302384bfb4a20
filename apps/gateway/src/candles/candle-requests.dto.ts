import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { SYMBOL_PATTERN, TIMEFRAMES, type Timeframe } from '@mdp/schemas';
import { IntegerQuery } from '../http/integer-query.transform';

export const MAX_CANDLES = 5_000;
const MAX_EPOCH_MS = 9_999_999_999_999;
const EPOCH_MESSAGE = '$property must be an epoch time in milliseconds (a non-negative integer)';

/** `/api/candles/:symbol...` */
export class CandleSymbolParams {
  @ApiProperty({ example: 'BTC', description: 'Symbol as the system writes it (upper case)' })
  @Matches(SYMBOL_PATTERN, { message: '$property must be an upper-case symbol such as BTC' })
  symbol!: string;
}

/** `GET /api/candles/:symbol/live?timeframe=` */
export class LiveCandleQuery {
  @ApiPropertyOptional({ enum: TIMEFRAMES, default: '1m' })
  @IsOptional()
  @IsIn(TIMEFRAMES, { message: `$property must be one of ${TIMEFRAMES.join(', ')}` })
  timeframe: Timeframe = '1m';
}

/** `GET /api/candles/:symbol?timeframe=&start=&end=&limit=&exchange=` */
export class CandleQuery extends LiveCandleQuery {
  @ApiPropertyOptional({
    description: 'Earliest period start, epoch ms (inclusive); default end - limit periods',
  })
  @IsOptional()
  @IntegerQuery()
  @IsInt({ message: EPOCH_MESSAGE })
  @Min(0)
  @Max(MAX_EPOCH_MS)
  start?: number;

  @ApiPropertyOptional({ description: 'Period starts before this, epoch ms (exclusive); default now' })
  @IsOptional()
  @IntegerQuery()
  @IsInt({ message: EPOCH_MESSAGE })
  @Min(0)
  @Max(MAX_EPOCH_MS)
  end?: number;

  @ApiPropertyOptional({
    default: 500,
    minimum: 1,
    maximum: MAX_CANDLES,
    description: 'Most candles: the newest of the range',
  })
  @IsOptional()
  @IntegerQuery()
  @IsInt()
  @Min(1)
  @Max(MAX_CANDLES)
  limit: number = 500;

  @ApiPropertyOptional({ default: 'all', description: 'Venue id, or all (candles built from every venue)' })
  @IsOptional()
  @Matches(/^[a-z0-9_-]{1,32}$/, { message: '$property must be a venue id (lower case) or all' })
  exchange: string = 'all';
}
