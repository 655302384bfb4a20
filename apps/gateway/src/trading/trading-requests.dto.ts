import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { SYMBOL_PATTERN } from '@mdp/schemas';
import { EpochMsQuery } from '../http/epoch-ms-query.decorator';
import { IntegerQuery } from '../http/integer-query.transform';
import { LABEL_PATTERN, SYMBOL_MESSAGE } from './trading-state.dto';

const FINITE = { allowNaN: false, allowInfinity: false } as const;
export const MAX_DECISIONS = 1_000;
export const DECISION_ACTIONS = ['enter', 'exit', 'hold', 'adjust', 'skip'] as const;

/** `/:symbol` of the seed 002 routes (stocks such as AAPL, or any canonical symbol). */
export class TradingSymbolParams {
  @ApiProperty({ example: 'AAPL' })
  @IsString()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol!: string;
}

/** `/signals/:signalType/:symbol` */
export class TradingSignalParams extends TradingSymbolParams {
  @ApiProperty({ example: 'entry', description: "The seed's {signal_type}, e.g. entry or exit" })
  @IsString()
  @Matches(LABEL_PATTERN, { message: '$property must be a lower-case signal type such as entry (a-z 0-9 _)' })
  signalType!: string;
}

/** `GET /api/trading/context?symbols=AAPL,MSFT` */
export class TradingContextQuery {
  @ApiProperty({
    type: String,
    example: 'AAPL,MSFT',
    description: 'Symbols, comma-separated (duplicates ignored)',
  })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? [...new Set(value.split(',').map((symbol) => symbol.trim()))] : value,
  )
  @IsArray({ message: '$property must be a comma-separated list of symbols' })
  @ArrayMinSize(1)
  @Matches(SYMBOL_PATTERN, {
    each: true,
    message: 'each value in $property must be a symbol such as AAPL (A-Z 0-9 . _ -)',
  })
  symbols!: string[];
}

/** `POST /api/trading/decisions`: a trading model's decision and its reasoning, for audit. */
export class TradingDecisionBody {
  @ApiProperty({
    example: 'llm-2025-05-09T09:45:30Z-AAPL',
    description: "The caller's id: a retried write with the same id and content changes nothing",
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: '$property must be 1-128 of A-Z a-z 0-9 . _ : -' })
  decision_id!: string;

  @ApiProperty({ example: '2025-05-09T09:45:30.123Z' })
  @IsISO8601({ strict: true, strictSeparator: true }, { message: '$property must be an ISO 8601 time' })
  decided_at!: string;

  @ApiProperty({ example: 'AAPL' })
  @IsString()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol!: string;

  @ApiProperty({ enum: DECISION_ACTIONS }) @IsIn(DECISION_ACTIONS) action!: (typeof DECISION_ACTIONS)[number];

  @ApiPropertyOptional({ enum: ['long', 'short'], nullable: true })
  @IsOptional()
  @IsIn(['long', 'short'])
  side?: 'long' | 'short' | null;

  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsNumber(FINITE) @Min(0) quantity?: number | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsNumber(FINITE) @Min(0) price?: number | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsNumber(FINITE) @Min(0) stop_loss?: number | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsNumber(FINITE) @Min(0) take_profit?:
    number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  @Max(1)
  confidence?: number | null;

  @ApiProperty({ description: "The model's reasoning" })
  @IsString()
  @MinLength(1)
  @MaxLength(100_000)
  reasoning!: string;

  @ApiProperty({ example: 'trade-llm-v3' }) @IsString() @MinLength(1) @MaxLength(200) model!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The context package the model was given',
  })
  @IsObject()
  context!: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Filled, P&L, ...',
  })
  @IsOptional()
  @IsObject()
  outcome?: Record<string, unknown> | null;
}

/** `GET /api/trading/decisions?symbol=&start=&end=&limit=` */
export class TradingDecisionsQuery {
  @ApiPropertyOptional({ example: 'AAPL' })
  @IsOptional()
  @IsString()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol?: string;

  @ApiPropertyOptional({ description: 'Earliest decided_at, epoch ms (inclusive)' })
  @IsOptional()
  @EpochMsQuery()
  start?: number;

  @ApiPropertyOptional({ description: 'Latest decided_at, epoch ms (inclusive)' })
  @IsOptional()
  @EpochMsQuery()
  end?: number;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: MAX_DECISIONS })
  @IsOptional()
  @IntegerQuery()
  @IsInt()
  @Min(1)
  @Max(MAX_DECISIONS)
  limit: number = 100;
}
