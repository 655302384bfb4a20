import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  TOKEN_LIST_SORTS,
  VELOCITY_TIMEFRAMES,
  type TokenListSort,
  type VelocityTimeframe,
} from '@mdp/data-access-tokens';
import { IntegerQuery } from '../http/integer-query.transform';

export const MAX_TOKEN_LIST_LIMIT = 500;
export const MAX_TOKEN_LIST_OFFSET = 10_000;
export const MAX_VELOCITY_HISTORY_LIMIT = 10_000;
const MAX_EPOCH_MS = 9_999_999_999_999;

/** `GET /api/tokens?sort=&limit=&offset=` */
export class TokenListQuery {
  @ApiPropertyOptional({ enum: TOKEN_LIST_SORTS, default: 'market_cap', description: 'Order, descending' })
  @IsOptional()
  @IsIn(TOKEN_LIST_SORTS, { message: `$property must be one of ${TOKEN_LIST_SORTS.join(', ')}` })
  sort: TokenListSort = 'market_cap';

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: MAX_TOKEN_LIST_LIMIT })
  @IsOptional()
  @IntegerQuery()
  @IsInt()
  @Min(1)
  @Max(MAX_TOKEN_LIST_LIMIT)
  limit: number = 100;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: MAX_TOKEN_LIST_OFFSET })
  @IsOptional()
  @IntegerQuery()
  @IsInt()
  @Min(0)
  @Max(MAX_TOKEN_LIST_OFFSET)
  offset: number = 0;
}

/** `/api/tokens/:id...`: the token id (the CoinMarketCap id). */
export class TokenIdParams {
  @ApiProperty({ description: 'Token id (the CoinMarketCap id)', example: 1 })
  @IntegerQuery()
  @IsInt({ message: '$property must be a positive integer token id' })
  @Min(1)
  @Max(2_147_483_647)
  id!: number;
}

/** `GET /api/tokens/:id/velocity?timeframe=` */
export class VelocityQuery {
  @ApiPropertyOptional({
    enum: VELOCITY_TIMEFRAMES,
    default: '24h',
    description: '24h is the current velocity (24h volume / market cap)',
  })
  @IsOptional()
  @IsIn(VELOCITY_TIMEFRAMES, { message: `$property must be one of ${VELOCITY_TIMEFRAMES.join(', ')}` })
  timeframe: VelocityTimeframe = '24h';
}

/** `GET /api/tokens/:id/velocity/history?start=&end=&limit=` */
export class VelocityHistoryQuery {
  @ApiPropertyOptional({ description: 'Earliest quote time, epoch ms (inclusive); default end - 7 days' })
  @IsOptional()
  @IntegerQuery()
  @IsInt({ message: '$property must be an epoch time in milliseconds (a non-negative integer)' })
  @Min(0)
  @Max(MAX_EPOCH_MS)
  start?: number;

  @ApiPropertyOptional({ description: 'Latest quote time, epoch ms (inclusive); default now' })
  @IsOptional()
  @IntegerQuery()
  @IsInt({ message: '$property must be an epoch time in milliseconds (a non-negative integer)' })
  @Min(0)
  @Max(MAX_EPOCH_MS)
  end?: number;

  @ApiPropertyOptional({
    default: 1_000,
    minimum: 1,
    maximum: MAX_VELOCITY_HISTORY_LIMIT,
    description: 'Most points, oldest first',
  })
  @IsOptional()
  @IntegerQuery()
  @IsInt()
  @Min(1)
  @Max(MAX_VELOCITY_HISTORY_LIMIT)
  limit: number = 1_000;
}
