import { ApiProperty } from '@nestjs/swagger';
import type { TradingDecisionEntity } from '@mdp/data-access-warm-store';
import {
  ActivePositionBody,
  MarketContextBody,
  PerformanceMetricsBody,
  RankedCandidate,
  StockPriceBody,
  StockSentimentBody,
  SystemStateBody,
  TradingSignalBody,
} from './trading-state.dto';
import { DECISION_ACTIONS } from './trading-requests.dto';

/** The answer of a write. */
export class StoredStateView {
  @ApiProperty({ example: 'stocks:price:AAPL', description: 'The Redis key written' }) key!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 86400,
    description: 'Its TTL in seconds; null = no expiry',
  })
  ttlSeconds!: number | null;
}

/** `stocks:indicators:{symbol}` as the flow aggregator writes it (seed 002 fields plus the candle they came from). */
export class StoredIndicatorsView {
  @ApiProperty({ type: Number, nullable: true, example: 65.75 }) rsi_14!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.5 }) macd!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.3 }) macd_signal!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 152.5 }) bollinger_upper!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 148.5 }) bollinger_lower!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 4.0 }) bollinger_width!: number | null;
  @ApiProperty({ example: '1m' }) timeframe!: string;
  @ApiProperty({ description: 'Open time of the candle, epoch ms' }) candle_open_time!: number;
  @ApiProperty() close!: number;
  @ApiProperty({ example: '2025-05-09T08:15:30.123Z' }) timestamp!: string;
}

/** `positions:monitoring:{symbol}` as the flow aggregator writes it. */
export class PositionMonitoringView {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      rsi_1m: { value: 78.5, signal: 'overbought' },
      macd_5m: { value: 0.15, signal: 'weakening' },
      support_resistance: { next_level: 26.5, type: 'resistance' },
    },
  })
  technical_signals!: Record<string, unknown>;
  @ApiProperty({ example: { value: 26.75, distance: '1.9%' } }) profit_target!: Record<string, unknown>;
  @ApiProperty({ example: { value: 25.25, distance: '3.8%' } }) stop_loss!: Record<string, unknown>;
  @ApiProperty({ example: '00:27:15' }) time_in_trade!: string;
  @ApiProperty({ example: '2025-05-09T10:15:30.123Z' }) timestamp!: string;
}

class SymbolContextView {
  @ApiProperty({ type: StockPriceBody, nullable: true }) price!: StockPriceBody | null;
  @ApiProperty({ type: StoredIndicatorsView, nullable: true }) indicators!: StoredIndicatorsView | null;
  @ApiProperty({ type: StockSentimentBody, nullable: true }) sentiment!: StockSentimentBody | null;
  @ApiProperty({ type: ActivePositionBody, nullable: true }) position!: ActivePositionBody | null;
  @ApiProperty({ type: PositionMonitoringView, nullable: true }) monitoring!: PositionMonitoringView | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/TradingSignalBody', nullable: true },
    description: 'One entry per type of TRADING_CONTEXT_SIGNAL_TYPES (entry, exit): the signal or null',
  })
  signals!: Record<string, TradingSignalBody | null>;
}

/**
 * The context package for a trading model (seed 002 "LLM Integration"): every value as stored, null
 * where a key is absent or expired.
 */
export class TradingContextView {
  @ApiProperty({ example: '2025-05-09T10:15:30.123Z', description: 'When the gateway read the keys' })
  generated_at!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/SymbolContextView' },
    description: 'Per symbol asked for, in the order asked',
  })
  symbols!: Record<string, SymbolContextView>;
  @ApiProperty({ type: [String], nullable: true, description: 'watchlist:current' }) watchlist!:
    string[] | null;
  @ApiProperty({ type: [RankedCandidate], nullable: true, description: 'candidates:ranked' })
  candidates!: RankedCandidate[] | null;
  @ApiProperty({ type: SystemStateBody, nullable: true, description: 'system:state' })
  system_state!: SystemStateBody | null;
  @ApiProperty({ type: PerformanceMetricsBody, nullable: true, description: 'metrics:performance' })
  performance!: PerformanceMetricsBody | null;
  @ApiProperty({ type: MarketContextBody, nullable: true, description: 'context:market' })
  market_context!: MarketContextBody | null;
}

/** A recorded decision (a row of trading_decisions). */
export class TradingDecisionView {
  @ApiProperty({ example: '1', description: 'Row id (bigint, as a string)' }) id!: string;
  @ApiProperty() decision_id!: string;
  @ApiProperty({ example: '2025-05-09T09:45:30.123Z' }) decided_at!: string;
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ enum: DECISION_ACTIONS }) action!: string;
  @ApiProperty({ enum: ['long', 'short'], nullable: true, type: String }) side!: string | null;
  @ApiProperty({ type: Number, nullable: true }) quantity!: number | null;
  @ApiProperty({ type: Number, nullable: true }) price!: number | null;
  @ApiProperty({ type: Number, nullable: true }) stop_loss!: number | null;
  @ApiProperty({ type: Number, nullable: true }) take_profit!: number | null;
  @ApiProperty({ type: Number, nullable: true }) confidence!: number | null;
  @ApiProperty() reasoning!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) context!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) outcome!: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ description: 'When the gateway stored it' }) created_at!: string;
}

export function toDecisionView(decision: TradingDecisionEntity): TradingDecisionView {
  return {
    id: decision.id,
    decision_id: decision.decisionId,
    decided_at: decision.decidedAt.toISOString(),
    symbol: decision.symbol,
    action: decision.action,
    side: decision.side,
    quantity: decision.quantity,
    price: decision.price,
    stop_loss: decision.stopLoss,
    take_profit: decision.takeProfit,
    confidence: decision.confidence,
    reasoning: decision.reasoning,
    model: decision.model,
    context: decision.context,
    outcome: decision.outcome,
    created_at: decision.createdAt.toISOString(),
  };
}

export { SymbolContextView };
