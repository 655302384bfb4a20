import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Put,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyReply } from 'fastify';
import {
  TradingStateRepository,
  tradingSignalKey,
  type GlobalStateKind,
  type SymbolStateKind,
} from '@mdp/data-access-flow';
import { SYMBOL_PATTERN } from '@mdp/schemas';
import { GatewayConfig } from '../gateway.config';
import { TradingSignalParams, TradingSymbolParams } from './trading-requests.dto';
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
import { PositionMonitoringView, StoredIndicatorsView, StoredStateView } from './trading.views';
import { JSON_TYPE } from '../http/json-type';

export const MAX_WATCHLIST = 1_000;
export const MAX_CANDIDATES = 500;

/**
 * Seed 002 trading state, read and written under its own key names. Reads answer the stored JSON
 * as-is (404 when the key is absent or expired); writes are validated against the seed's shape
 * (unknown fields refused), stored as JSON and, for time-sensitive data, with the TTL of its setting.
 */
@ApiTags('trading')
@ApiServiceUnavailableResponse({ description: 'Redis is unavailable' })
@Controller('api/trading')
export class TradingStateController {
  private readonly ttl: Record<SymbolStateKind | GlobalStateKind | 'signal', number>;

  constructor(
    private readonly state: TradingStateRepository,
    config: GatewayConfig,
  ) {
    this.ttl = {
      price: config.TRADING_PRICE_TTL_SECONDS,
      sentiment: config.TRADING_SENTIMENT_TTL_SECONDS,
      signal: config.TRADING_SIGNAL_TTL_SECONDS,
      candidates: config.TRADING_CANDIDATES_TTL_SECONDS,
      performance: config.TRADING_PERFORMANCE_TTL_SECONDS,
      market_context: config.TRADING_MARKET_CONTEXT_TTL_SECONDS,
      // State rather than time series: kept until replaced (or, for a position, deleted when closed).
      indicators: 0,
      position: 0,
      monitoring: 0,
      watchlist: 0,
      system_state: 0,
    };
  }

  // ---- per symbol -------------------------------------------------------------------------

  @Get('stocks/:symbol/price')
  @ApiOperation({ summary: 'stocks:price:{symbol}' })
  @ApiOkResponse({ type: StockPriceBody })
  @ApiBadRequestResponse({ description: 'symbol invalid' })
  @ApiNotFoundResponse({ description: 'No price stored (or it expired)' })
  price(@Param() params: TradingSymbolParams, @Res() reply: FastifyReply): Promise<void> {
    return this.sendSymbol('price', params.symbol, reply);
  }

  @Put('stocks/:symbol/price')
  @ApiOperation({ summary: 'Write stocks:price:{symbol} (TTL TRADING_PRICE_TTL_SECONDS)' })
  @ApiOkResponse({ type: StoredStateView })
  @ApiBadRequestResponse({ description: 'symbol or body invalid; message lists every problem' })
  putPrice(@Param() params: TradingSymbolParams, @Body() body: StockPriceBody): Promise<StoredStateView> {
    return this.writeSymbol('price', params.symbol, body);
  }

  @Get('stocks/:symbol/indicators')
  @ApiOperation({
    summary: 'stocks:indicators:{symbol} (written by the flow aggregator from closed candles)',
  })
  @ApiOkResponse({ type: StoredIndicatorsView })
  @ApiBadRequestResponse({ description: 'symbol invalid' })
  @ApiNotFoundResponse({ description: 'No indicators stored (or they expired)' })
  indicators(@Param() params: TradingSymbolParams, @Res() reply: FastifyReply): Promise<void> {
    return this.sendSymbol('indicators', params.symbol, reply);
  }

  @Get('stocks/:symbol/sentiment')
  @ApiOperation({ summary: 'stocks:sentiment:{symbol}' })
  @ApiOkResponse({ type: StockSentimentBody })
  @ApiBadRequestResponse({ description: 'symbol invalid' })
  @ApiNotFoundResponse({ description: 'No sentiment stored (or it expired)' })
  sentiment(@Param() params: TradingSymbolParams, @Res() reply: FastifyReply): Promise<void> {
    return this.sendSymbol('sentiment', params.symbol, reply);
  }

  @Put('stocks/:symbol/sentiment')
  @ApiOperation({ summary: 'Write stocks:sentiment:{symbol} (TTL TRADING_SENTIMENT_TTL_SECONDS)' })
  @ApiOkResponse({ type: StoredStateView })
  @ApiBadRequestResponse({ description: 'symbol or body invalid; message lists every problem' })
  putSentiment(
    @Param() params: TradingSymbolParams,
    @Body() body: StockSentimentBody,
  ): Promise<StoredStateView> {
    return this.writeSymbol('sentiment', params.symbol, body);
  }

  @Get('positions/:symbol')
  @ApiOperation({ summary: 'positions:active:{symbol}' })
  @ApiOkResponse({ type: ActivePositionBody })
  @ApiBadRequestResponse({ description: 'symbol invalid' })
  @ApiNotFoundResponse({ description: 'No active position' })
  position(@Param() params: TradingSymbolParams, @Res() reply: FastifyReply): Promise<void> {
    return this.sendSymbol('position', params.symbol, reply);
  }

  @Put('positions/:symbol')
  @ApiOperation({
    summary: 'Open or replace positions:active:{symbol} (no TTL: a position lasts until it is closed)',
    description:
      'The flow aggregator marks it to the market (current_price, unrealized_pnl, last_update) as trades arrive.',
  })
  @ApiOkResponse({ type: StoredStateView })
  @ApiBadRequestResponse({
    description: 'symbol or body invalid, or body.symbol is not the symbol of the path',
  })
  putPosition(
    @Param() params: TradingSymbolParams,
    @Body() body: ActivePositionBody,
  ): Promise<StoredStateView> {
    if (body.symbol !== params.symbol)
      throw new BadRequestException(`symbol must be ${params.symbol}, the symbol of the path`);
    return this.writeSymbol('position', params.symbol, body);
  }

  @Delete('positions/:symbol')
  @HttpCode(204)
  @ApiOperation({ summary: 'Close a position: delete positions:active:{symbol}' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ description: 'symbol invalid' })
  @ApiNotFoundResponse({ description: 'No active position' })
  async deletePosition(@Param() params: TradingSymbolParams): Promise<void> {
    if (!(await this.state.deleteSymbol('position', params.symbol)))
      throw new NotFoundException(`no active position for ${params.symbol}`);
  }

  @Get('positions/:symbol/monitoring')
  @ApiOperation({
    summary: 'positions:monitoring:{symbol} (written by the flow aggregator for active positions)',
  })
  @ApiOkResponse({ type: PositionMonitoringView })
  @ApiBadRequestResponse({ description: 'symbol invalid' })
  @ApiNotFoundResponse({ description: 'No monitoring data (no active position, or it expired)' })
  monitoring(@Param() params: TradingSymbolParams, @Res() reply: FastifyReply): Promise<void> {
    return this.sendSymbol('monitoring', params.symbol, reply);
  }

  @Get('signals/:signalType/:symbol')
  @ApiOperation({ summary: 'signals:{signal_type}:{symbol}' })
  @ApiOkResponse({ type: TradingSignalBody })
  @ApiBadRequestResponse({ description: 'signalType or symbol invalid' })
  @ApiNotFoundResponse({ description: 'No such signal (or it expired)' })
  async signal(@Param() params: TradingSignalParams, @Res() reply: FastifyReply): Promise<void> {
    const json = await this.state.readSignal(params.signalType, params.symbol);
    if (json === null) throw new NotFoundException(`no ${params.signalType} signal for ${params.symbol}`);
    await reply.type(JSON_TYPE).send(json);
  }

  @Put('signals/:signalType/:symbol')
  @ApiOperation({ summary: 'Set signals:{signal_type}:{symbol} (TTL TRADING_SIGNAL_TTL_SECONDS)' })
  @ApiOkResponse({ type: StoredStateView })
  @ApiBadRequestResponse({ description: 'signalType, symbol or body invalid; message lists every problem' })
  async putSignal(
    @Param() params: TradingSignalParams,
    @Body() body: TradingSignalBody,
  ): Promise<StoredStateView> {
    const ttl = this.ttl.signal;
    await this.state.writeSignal(params.signalType, params.symbol, JSON.stringify(body), ttl);
    return { key: tradingSignalKey(params.signalType, params.symbol), ttlSeconds: ttl > 0 ? ttl : null };
  }

  @Delete('signals/:signalType/:symbol')
  @HttpCode(204)
  @ApiOperation({ summary: 'Withdraw a signal: delete signals:{signal_type}:{symbol}' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ description: 'signalType or symbol invalid' })
  @ApiNotFoundResponse({ description: 'No such signal' })
  async deleteSignal(@Param() params: TradingSignalParams): Promise<void> {
    if (!(await this.state.deleteSignal(params.signalType, params.symbol)))
      throw new NotFoundException(`no ${params.signalType} signal for ${params.symbol}`);
  }

  // ---- system-wide ------------------------------------------------------------------------

  @Get('watchlist')
  @ApiOperation({ summary: 'watchlist:current' })
  @ApiOkResponse({ schema: { type: 'array', items: { type: 'string' }, example: ['AAPL', 'MSFT'] } })
  @ApiNotFoundResponse({ description: 'No watchlist stored' })
  watchlist(@Res() reply: FastifyReply): Promise<void> {
    return this.sendGlobal('watchlist', reply);
  }

  @Put('watchlist')
  @ApiOperation({
    summary: `Replace watchlist:current (a JSON array of up to ${MAX_WATCHLIST} distinct symbols; no TTL)`,
  })
  @ApiBody({
    schema: { type: 'array', items: { type: 'string' }, example: ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'META'] },
  })
  @ApiOkResponse({ type: StoredStateView })
  @ApiBadRequestResponse({ description: 'Not an array of distinct symbols; message lists every problem' })
  putWatchlist(@Body() body: unknown): Promise<StoredStateView> {
    return this.writeGlobal('watchlist', validateWatchlist(body));
  }

  @Get('candidates')
  @ApiOperation({ summary: 'candidates:ranked' })
  @ApiOkResponse({ type: [RankedCandidate] })
  @ApiNotFoundResponse({ description: 'No ranked candidates stored (or they expired)' })
  candidates(@Res() reply: FastifyReply): Promise<void> {
    return this.sendGlobal('candidates', reply);
  }

  @Put('candidates')
  @ApiOperation({
    summary: `Replace candidates:ranked (up to ${MAX_CANDIDATES}, in rank order; TTL TRADING_CANDIDATES_TTL_SECONDS)`,
  })
  @ApiBody({ type: [RankedCandidate] })
  @ApiOkResponse({ type: StoredStateView })
  @ApiBadRequestResponse({ description: 'Not an array of candidates; message names the item and field' })
  async putCandidates(@Body() body: unknown): Promise<StoredStateView> {
    return this.writeGlobal('candidates', await validateCandidates(body));
  }

  @Get('system-state')
  @ApiOperation({ summary: 'system:state' })
  @ApiOkResponse({ type: SystemStateBody })
  @ApiNotFoundResponse({ description: 'No system state stored' })
  systemState(@Res() reply: FastifyReply): Promise<void> {
    return this.sendGlobal('system_state', reply);
  }

  @Put('system-state')
  @ApiOperation({ summary: 'Replace system:state (no TTL)' })
  @ApiOkResponse({ type: StoredStateView })
  @ApiBadRequestResponse({ description: 'Body invalid; message lists every problem' })
  putSystemState(@Body() body: SystemStateBody): Promise<StoredStateView> {
    return this.writeGlobal('system_state', body);
  }

  @Get('performance')
  @ApiOperation({ summary: 'metrics:performance' })
  @ApiOkResponse({ type: PerformanceMetricsBody })
  @ApiNotFoundResponse({ description: 'No performance metrics stored (or they expired)' })
  performance(@Res() reply: FastifyReply): Promise<void> {
    return this.sendGlobal('performance', reply);
  }

  @Put('performance')
  @ApiOperation({ summary: 'Replace metrics:performance (TTL TRADING_PERFORMANCE_TTL_SECONDS)' })
  @ApiOkResponse({ type: StoredStateView })
  @ApiBadRequestResponse({ description: 'Body invalid; message lists every problem' })
  putPerformance(@Body() body: PerformanceMetricsBody): Promise<StoredStateView> {
    return this.writeGlobal('performance', body);
  }

  @Get('market-context')
  @ApiOperation({ summary: 'context:market' })
  @ApiOkResponse({ type: MarketContextBody })
  @ApiNotFoundResponse({ description: 'No market context stored (or it expired)' })
  marketContext(@Res() reply: FastifyReply): Promise<void> {
    return this.sendGlobal('market_context', reply);
  }

  @Put('market-context')
  @ApiOperation({ summary: 'Replace context:market (TTL TRADING_MARKET_CONTEXT_TTL_SECONDS)' })
  @ApiOkResponse({ type: StoredStateView })
  @ApiBadRequestResponse({ description: 'Body invalid; message lists every problem' })
  putMarketContext(@Body() body: MarketContextBody): Promise<StoredStateView> {
    return this.writeGlobal('market_context', body);
  }

  // ---- helpers ----------------------------------------------------------------------------

  private async sendSymbol(kind: SymbolStateKind, symbol: string, reply: FastifyReply): Promise<void> {
    const json = await this.state.readSymbol(kind, symbol);
    if (json === null)
      throw new NotFoundException(`nothing under ${TradingStateRepository.symbolKey(kind, symbol)}`);
    await reply.type(JSON_TYPE).send(json);
  }

  private async sendGlobal(kind: GlobalStateKind, reply: FastifyReply): Promise<void> {
    const json = await this.state.readGlobal(kind);
    if (json === null) throw new NotFoundException(`nothing under ${TradingStateRepository.globalKey(kind)}`);
    await reply.type(JSON_TYPE).send(json);
  }

  private async writeSymbol(kind: SymbolStateKind, symbol: string, body: object): Promise<StoredStateView> {
    const ttl = this.ttl[kind];
    await this.state.writeSymbol(kind, symbol, JSON.stringify(body), ttl);
    return { key: TradingStateRepository.symbolKey(kind, symbol), ttlSeconds: ttl > 0 ? ttl : null };
  }

  private async writeGlobal(kind: GlobalStateKind, body: object): Promise<StoredStateView> {
    const ttl = this.ttl[kind];
    await this.state.writeGlobal(kind, JSON.stringify(body), ttl);
    return { key: TradingStateRepository.globalKey(kind), ttlSeconds: ttl > 0 ? ttl : null };
  }
}

/** The candidates body: an array of seed 002 candidates, or a 400 naming each item's problems (`[i] ...`). */
export async function validateCandidates(body: unknown): Promise<RankedCandidate[]> {
  if (!Array.isArray(body)) throw new BadRequestException('body must be a JSON array of ranked candidates');
  if (body.length > MAX_CANDIDATES)
    throw new BadRequestException(`body must hold at most ${MAX_CANDIDATES} candidates`);
  const problems: string[] = [];
  const candidates: RankedCandidate[] = [];
  for (const [i, item] of body.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`[${i}] must be an object`);
      continue;
    }
    const candidate = plainToInstance(RankedCandidate, item as object);
    const errors = await validate(candidate, { whitelist: true, forbidNonWhitelisted: true });
    for (const error of errors)
      for (const message of Object.values(error.constraints ?? {})) problems.push(`[${i}] ${message}`);
    candidates.push(candidate);
  }
  if (problems.length > 0) throw new BadRequestException(problems);
  return candidates;
}

/** The watchlist body: an array of distinct symbols, or a 400 listing every problem. */
export function validateWatchlist(body: unknown): string[] {
  if (!Array.isArray(body))
    throw new BadRequestException('body must be a JSON array of symbols such as ["AAPL","MSFT"]');
  const problems: string[] = [];
  if (body.length > MAX_WATCHLIST) problems.push(`body must hold at most ${MAX_WATCHLIST} symbols`);
  const seen = new Set<string>();
  body.forEach((symbol: unknown, i) => {
    if (typeof symbol !== 'string' || !SYMBOL_PATTERN.test(symbol))
      problems.push(`[${i}] must be a symbol such as AAPL (A-Z 0-9 . _ -, up to 32)`);
    else if (seen.has(symbol)) problems.push(`[${i}] ${symbol} is listed twice`);
    else seen.add(symbol);
  });
  if (problems.length > 0) throw new BadRequestException(problems);
  return body as string[];
}
