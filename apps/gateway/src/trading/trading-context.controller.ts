import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { GLOBAL_STATE_KINDS, SYMBOL_STATE_KINDS, TradingStateRepository } from '@mdp/data-access-flow';
import { TradingDecisionRepository } from '@mdp/data-access-warm-store';
import { GatewayConfig } from '../gateway.config';
import { TradingContextQuery, TradingDecisionBody, TradingDecisionsQuery } from './trading-requests.dto';
import { TradingSignalBody } from './trading-state.dto';
import { SymbolContextView, TradingContextView, TradingDecisionView, toDecisionView } from './trading.views';
import { JSON_TYPE } from '../http/json-type';

/**
 * Seed 002 "LLM Integration": the combined context package for a trading model, and the audit of
 * its decisions and reasoning in the warm store's trading_decisions table.
 */
@ApiTags('trading')
@ApiExtraModels(SymbolContextView, TradingSignalBody)
@Controller('api/trading')
export class TradingContextController {
  private readonly signalTypes: string[];
  private readonly maxSymbols: number;

  constructor(
    private readonly state: TradingStateRepository,
    private readonly decisions: TradingDecisionRepository,
    config: GatewayConfig,
  ) {
    this.signalTypes = config.TRADING_CONTEXT_SIGNAL_TYPES.split(',');
    this.maxSymbols = config.TRADING_CONTEXT_MAX_SYMBOLS;
  }

  @Get('context')
  @ApiOperation({
    summary:
      'The context package for a trading model: per symbol and system-wide seed 002 state, in one Redis round trip',
    description:
      'Per symbol: price (stocks:price), indicators (stocks:indicators), sentiment (stocks:sentiment), position ' +
      '(positions:active), monitoring (positions:monitoring) and signals (signals:{type}:{symbol} for each type of ' +
      'TRADING_CONTEXT_SIGNAL_TYPES). System-wide: watchlist (watchlist:current), candidates (candidates:ranked), ' +
      'system_state (system:state), performance (metrics:performance), market_context (context:market). Every value ' +
      'is the stored JSON; null where the key is absent or expired. All keys are read with one GET each, sent ' +
      "together in one round trip (auto-pipelined; per node on a Redis Cluster, where the seed's keys share no slot).",
  })
  @ApiOkResponse({ type: TradingContextView })
  @ApiBadRequestResponse({
    description: 'symbols missing, invalid, or more than TRADING_CONTEXT_MAX_SYMBOLS',
  })
  @ApiServiceUnavailableResponse({ description: 'Redis is unavailable' })
  async context(@Query() query: TradingContextQuery, @Res() reply: FastifyReply): Promise<void> {
    if (query.symbols.length > this.maxSymbols)
      throw new BadRequestException(`symbols must hold at most ${this.maxSymbols} symbols`);
    const context = await this.state.context(query.symbols, this.signalTypes);
    // Stored JSON is spliced in as-is (no parse and re-serialize).
    let body = `{"generated_at":"${new Date().toISOString()}","symbols":{`;
    context.symbols.forEach((entry, i) => {
      if (i > 0) body += ',';
      body += `${JSON.stringify(entry.symbol)}:{`;
      for (const kind of SYMBOL_STATE_KINDS) body += `"${kind}":${entry.values[kind] ?? 'null'},`;
      body += '"signals":{';
      this.signalTypes.forEach((type, j) => {
        body += `${j > 0 ? ',' : ''}"${type}":${entry.signals[type] ?? 'null'}`;
      });
      body += '}}';
    });
    body += '}';
    for (const kind of GLOBAL_STATE_KINDS) body += `,"${kind}":${context.global[kind] ?? 'null'}`;
    body += '}';
    await reply.type(JSON_TYPE).send(body);
  }

  @Post('decisions')
  @ApiOperation({
    summary: "Record a trading model's decision and reasoning for audit (trading_decisions)",
    description:
      'Idempotent by decision_id: a retry with the same id and the same content answers 200 with the stored row; ' +
      'the same id with different content answers 409 and changes nothing.',
  })
  @ApiCreatedResponse({ type: TradingDecisionView, description: 'Recorded now' })
  @ApiOkResponse({
    type: TradingDecisionView,
    description: 'Already recorded with the same content (a retry)',
  })
  @ApiConflictResponse({ description: 'decision_id already recorded with different content' })
  @ApiBadRequestResponse({ description: 'Body invalid; message lists every problem' })
  @ApiServiceUnavailableResponse({ description: 'The database is unavailable' })
  async record(
    @Body() body: TradingDecisionBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TradingDecisionView> {
    const result = await this.decisions.record({
      decisionId: body.decision_id,
      decidedAt: new Date(body.decided_at),
      symbol: body.symbol,
      action: body.action,
      side: body.side ?? null,
      quantity: body.quantity ?? null,
      price: body.price ?? null,
      stopLoss: body.stop_loss ?? null,
      takeProfit: body.take_profit ?? null,
      confidence: body.confidence ?? null,
      reasoning: body.reasoning,
      model: body.model,
      context: body.context,
      outcome: body.outcome ?? null,
    });
    if (result.status === 'conflict')
      throw new ConflictException(
        `decision_id ${body.decision_id} was already recorded with different content`,
      );
    void reply.status(result.status === 'created' ? 201 : 200);
    return toDecisionView(result.decision);
  }

  @Get('decisions')
  @ApiOperation({
    summary: 'Recorded decisions, newest first (decided_at), optionally of one symbol and a time range',
  })
  @ApiOkResponse({ type: [TradingDecisionView] })
  @ApiBadRequestResponse({ description: 'symbol, start, end or limit invalid, or start after end' })
  @ApiServiceUnavailableResponse({ description: 'The database is unavailable' })
  async list(@Query() query: TradingDecisionsQuery): Promise<TradingDecisionView[]> {
    if (query.start !== undefined && query.end !== undefined && query.start > query.end)
      throw new BadRequestException('start must not be after end');
    const decisions = await this.decisions.list({
      symbol: query.symbol,
      startMs: query.start,
      endMs: query.end,
      limit: query.limit,
    });
    return decisions.map(toDecisionView);
  }
}
