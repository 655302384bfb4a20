import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { SYMBOL_PATTERN } from '@mdp/schemas';

/**
 * Seed 002 values as request bodies: the seed's JSON field names, in the seed's order (the stored
 * JSON keeps it), every field required; unknown fields are refused (also in nested objects).
 */

const FINITE = { allowNaN: false, allowInfinity: false } as const;
const ISO = { strict: true, strictSeparator: true } as const;
const ISO_MESSAGE = { message: '$property must be an ISO 8601 time such as 2025-05-09T08:15:30.123Z' };
/** A lower-case label (sentiment_label, state, market_regime, reason, a signal name). */
export const LABEL_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const LABEL_MESSAGE = { message: '$property must be a lower-case label (a-z 0-9 _, up to 64)' };
export const SYMBOL_MESSAGE = '$property must be a symbol such as AAPL (A-Z 0-9 . _ -, up to 32)';
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_MAP_ENTRIES = 64;

/** An object of up to 64 names (A-Z a-z 0-9 _ . -) to finite numbers (indicator values, sector performance). */
function IsNumberMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNumberMap',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= MAX_MAP_ENTRIES &&
            entries.every(
              ([name, item]) => NAME_PATTERN.test(name) && typeof item === 'number' && Number.isFinite(item),
            )
          );
        },
        defaultMessage: () =>
          `$property must be an object of up to ${MAX_MAP_ENTRIES} names (A-Z a-z 0-9 _ . -) to finite numbers`,
      },
    },
    options,
  );
}

const NUMBER_MAP_SCHEMA = { type: 'object', additionalProperties: { type: 'number' } } as const;

/** `price` of stocks:price:{symbol} */
export class PriceBar {
  @ApiProperty({ example: 150.25 }) @IsNumber(FINITE) @Min(0) last!: number;
  @ApiProperty({ example: 149.8 }) @IsNumber(FINITE) @Min(0) open!: number;
  @ApiProperty({ example: 151.2 }) @IsNumber(FINITE) @Min(0) high!: number;
  @ApiProperty({ example: 149.5 }) @IsNumber(FINITE) @Min(0) low!: number;
  @ApiProperty({ example: 25000000 }) @IsNumber(FINITE) @Min(0) volume!: number;
}

/** `stocks:price:{symbol}` */
export class StockPriceBody {
  @ApiProperty({ type: PriceBar })
  @IsObject()
  @ValidateNested()
  @Type(() => PriceBar)
  price!: PriceBar;

  @ApiProperty({ example: '2025-05-09T08:15:30.123Z' }) @IsISO8601(ISO, ISO_MESSAGE) timestamp!: string;
}

export class NewsItem {
  @ApiProperty({ example: 'Company XYZ Reports Strong Earnings' })
  @IsString()
  @MaxLength(500)
  headline!: string;
  @ApiProperty({ example: 'Financial Times' }) @IsString() @MaxLength(200) source!: string;
  @ApiProperty({ example: '2025-05-09T07:30:00.000Z' }) @IsISO8601(ISO, ISO_MESSAGE) timestamp!: string;
  @ApiProperty({ example: 'https://example.com/news/xyz-earnings' })
  @IsString()
  @MaxLength(2_000)
  @IsUrl(
    { require_protocol: true, protocols: ['http', 'https'], require_tld: false },
    { message: '$property must be an http(s) URL' },
  )
  url!: string;
}

/** `stocks:sentiment:{symbol}` */
export class StockSentimentBody {
  @ApiProperty({ example: 0.75, minimum: -1, maximum: 1 })
  @IsNumber(FINITE)
  @Min(-1)
  @Max(1)
  sentiment_score!: number;
  @ApiProperty({ example: 'bullish' })
  @IsString()
  @Matches(LABEL_PATTERN, LABEL_MESSAGE)
  sentiment_label!: string;
  @ApiProperty({ example: 3 }) @IsInt() @Min(0) news_count!: number;

  @ApiProperty({ type: [NewsItem] })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => NewsItem)
  latest_news!: NewsItem[];

  @ApiProperty({ example: '2025-05-09T08:15:30.123Z' }) @IsISO8601(ISO, ISO_MESSAGE) timestamp!: string;
}

/** One entry of `candidates:ranked` */
export class RankedCandidate {
  @ApiProperty({ example: 'AAPL' })
  @IsString()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol!: string;
  @ApiProperty({ example: 0.95 }) @IsNumber(FINITE) score!: number;
  @ApiProperty({ example: 150.25 }) @IsNumber(FINITE) @Min(0) price!: number;

  @ApiProperty({ example: ['breakout', 'volume_surge'] })
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @Matches(LABEL_PATTERN, {
    each: true,
    message: 'each value in $property must be a lower-case label (a-z 0-9 _)',
  })
  signals!: string[];

  @ApiProperty({ example: '2025-05-09T08:15:30.123Z' }) @IsISO8601(ISO, ISO_MESSAGE) timestamp!: string;
}

/** `positions:active:{symbol}` */
export class ActivePositionBody {
  @ApiProperty({ example: 'AAPL', description: 'Must be the symbol of the path' })
  @IsString()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol!: string;

  @ApiProperty({ example: 150.0 }) @IsNumber(FINITE) @Min(0) entry_price!: number;
  @ApiProperty({ example: 152.5 }) @IsNumber(FINITE) @Min(0) current_price!: number;
  @ApiProperty({ example: 10 }) @IsNumber(FINITE) @Min(0) quantity!: number;
  @ApiProperty({ enum: ['long', 'short'] }) @IsIn(['long', 'short']) side!: 'long' | 'short';
  @ApiProperty({ example: '2025-05-09T09:45:32.000Z' }) @IsISO8601(ISO, ISO_MESSAGE) entry_time!: string;
  @ApiProperty({ example: 25.0 }) @IsNumber(FINITE) unrealized_pnl!: number;
  @ApiProperty({ example: 1.67 }) @IsNumber(FINITE) unrealized_pnl_pct!: number;
  @ApiProperty({ example: 145.0 }) @IsNumber(FINITE) @Min(0) stop_loss!: number;
  @ApiProperty({ example: 160.0 }) @IsNumber(FINITE) @Min(0) take_profit!: number;
  @ApiProperty({ example: '2025-05-09T10:15:30.123Z' }) @IsISO8601(ISO, ISO_MESSAGE) last_update!: string;
}

/** `signals:{signal_type}:{symbol}` */
export class TradingSignalBody {
  @ApiProperty({ example: 'breakout' }) @IsString() @Matches(LABEL_PATTERN, LABEL_MESSAGE) reason!: string;
  @ApiProperty({ example: 150.25 }) @IsNumber(FINITE) @Min(0) price!: number;
  @ApiProperty({ example: '2025-05-09T09:45:30.123Z' }) @IsISO8601(ISO, ISO_MESSAGE) timestamp!: string;
  @ApiProperty({ ...NUMBER_MAP_SCHEMA, example: { macd: 0.5, rsi: 65 } }) @IsNumberMap() indicators!: Record<
    string,
    number
  >;
  @ApiProperty({ example: 0.85, minimum: 0, maximum: 1 })
  @IsNumber(FINITE)
  @Min(0)
  @Max(1)
  confidence!: number;
}

/** `system:state` */
export class SystemStateBody {
  @ApiProperty({ example: 'running' }) @IsString() @Matches(LABEL_PATTERN, LABEL_MESSAGE) state!: string;
  @ApiProperty({ example: 'open' }) @IsString() @Matches(LABEL_PATTERN, LABEL_MESSAGE) market_status!: string;
  @ApiProperty({ example: 2 }) @IsInt() @Min(0) active_positions_count!: number;
  @ApiProperty({ example: 15 }) @IsInt() @Min(0) watchlist_count!: number;
  @ApiProperty({ example: '2025-05-09T10:00:00.000Z' }) @IsISO8601(ISO, ISO_MESSAGE) last_scan_time!: string;
  @ApiProperty({ example: '2025-05-09T10:15:30.123Z' }) @IsISO8601(ISO, ISO_MESSAGE) timestamp!: string;
}

/** `metrics:performance` */
export class PerformanceMetricsBody {
  @ApiProperty({ example: 125.5 }) @IsNumber(FINITE) daily_pnl!: number;
  @ApiProperty({ example: 2.51 }) @IsNumber(FINITE) daily_pnl_pct!: number;
  @ApiProperty({ example: 3 }) @IsInt() @Min(0) win_count!: number;
  @ApiProperty({ example: 1 }) @IsInt() @Min(0) loss_count!: number;
  @ApiProperty({ example: 0.75, minimum: 0, maximum: 1 }) @IsNumber(FINITE) @Min(0) @Max(1) win_rate!: number;
  @ApiProperty({ example: 50.0 }) @IsNumber(FINITE) avg_win!: number;
  @ApiProperty({ example: -25.0 }) @IsNumber(FINITE) avg_loss!: number;
  @ApiProperty({ example: 75.0 }) @IsNumber(FINITE) largest_win!: number;
  @ApiProperty({ example: -25.0 }) @IsNumber(FINITE) largest_loss!: number;
  @ApiProperty({ example: '2025-05-09T16:00:00.000Z' }) @IsISO8601(ISO, ISO_MESSAGE) timestamp!: string;
}

export class MarketBreadth {
  @ApiProperty({ example: 1250 }) @IsInt() @Min(0) advancing!: number;
  @ApiProperty({ example: 1750 }) @IsInt() @Min(0) declining!: number;
  @ApiProperty({ example: 500 }) @IsInt() @Min(0) unchanged!: number;
}

/** `context:market` */
export class MarketContextBody {
  @ApiProperty({ ...NUMBER_MAP_SCHEMA, example: { technology: 0.5, healthcare: -0.2 } })
  @IsNumberMap()
  sector_performance!: Record<string, number>;

  @ApiProperty({ type: MarketBreadth })
  @IsObject()
  @ValidateNested()
  @Type(() => MarketBreadth)
  market_breadth!: MarketBreadth;

  @ApiProperty({ example: 18.5 }) @IsNumber(FINITE) @Min(0) vix!: number;
  @ApiProperty({ example: 'bullish_consolidation' })
  @IsString()
  @Matches(LABEL_PATTERN, LABEL_MESSAGE)
  market_regime!: string;
  @ApiProperty({ example: '2025-05-09T10:15:30.123Z' }) @IsISO8601(ISO, ISO_MESSAGE) timestamp!: string;
}
