import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import {
  DetectorStateRepository,
  LiquidationStoreRepository,
  PercentileThresholdRepository,
} from '@mdp/data-access-liquidation';
import { LiquidationQueryRepository, PgClientSession, withPooledClient } from '@mdp/data-access-warm-store';
import { PG_READ_POOL } from '../gateway.dependencies';
import {
  LiquidationHistoryQuery,
  LiquidationStatsQuery,
  LiquidationSymbolParams,
  RecentLiquidationsQuery,
} from './liquidation-requests.dto';
import {
  DetectorStatusView,
  LiquidationHistoryView,
  LiquidationStatsView,
  PercentileThresholdView,
  PercentileThresholdsView,
  RecentLiquidationsView,
  UNDERCOUNT_NOTE,
} from './liquidation.views';
import { JSON_TYPE } from '../http/json-type';

/**
 * Liquidations (seed 001): what the detector keeps in Redis (recent accepted liquidations, statistics
 * per window, percentile thresholds, counters and storage mode) and the warm store's history.
 */
@ApiTags('liquidations')
@ApiServiceUnavailableResponse({ description: 'Redis (or, for history, the database) is unavailable' })
@Controller('api/liquidations')
export class LiquidationsController {
  constructor(
    private readonly store: LiquidationStoreRepository,
    private readonly state: DetectorStateRepository,
    private readonly thresholds: PercentileThresholdRepository,
    @Inject(PG_READ_POOL) private readonly readPool: Pool,
  ) {}

  @Get('recent')
  @ApiOperation({
    summary: 'Newest accepted liquidations of a symbol (hot store, last 24 h; 1 h in reduced mode)',
    description: 'Read from liquidation:{<SYMBOL>}:events. ' + UNDERCOUNT_NOTE,
  })
  @ApiOkResponse({ type: RecentLiquidationsView })
  @ApiBadRequestResponse({ description: 'symbol or limit invalid' })
  async recent(@Query() query: RecentLiquidationsQuery): Promise<RecentLiquidationsView> {
    const liquidations = await this.store.recent(query.symbol, query.limit);
    return { symbol: query.symbol, count: liquidations.length, liquidations, note: UNDERCOUNT_NOTE };
  }

  @Get('stats')
  @ApiOperation({
    summary: "Count, volume and buy/sell counts and volumes over a window (the seed's get_liquidation_stats)",
    description:
      "Accepted liquidations only (after the minimum-size and percentile filters), summed from the detector's " +
      'minute buckets (windows up to 120 min, ending with the current minute) or hour buckets (whole hours up to 24 h, ' +
      'ending with the current hour). Volumes are USD notional. ' +
      UNDERCOUNT_NOTE,
  })
  @ApiOkResponse({ type: LiquidationStatsView })
  @ApiBadRequestResponse({ description: 'symbol or window invalid' })
  async stats(@Query() query: LiquidationStatsQuery): Promise<LiquidationStatsView> {
    if (query.window > 120 && query.window % 60 !== 0)
      throw new BadRequestException('window above 120 minutes must be whole hours (a multiple of 60)');
    const stats = await this.store.stats(query.symbol, query.window);
    return {
      symbol: stats.symbol,
      window_minutes: stats.windowMinutes,
      total_count: stats.total_count,
      total_volume: stats.total_volume,
      buy_count: stats.buy_count,
      buy_volume: stats.buy_volume,
      sell_count: stats.sell_count,
      sell_volume: stats.sell_volume,
      note: UNDERCOUNT_NOTE,
    };
  }

  @Get('thresholds')
  @ApiOperation({
    summary: 'Current percentile-filter threshold of every symbol the detector has seen',
    description:
      'Published by the detector every COUNTERS_FLUSH_MS in liquidation-detector:{liquidation-detector}:percentiles.',
  })
  @ApiOkResponse({ type: PercentileThresholdsView })
  async allThresholds(@Res() reply: FastifyReply): Promise<void> {
    const thresholds = await this.thresholds.allJson();
    await reply.type(JSON_TYPE).send(`{"thresholds":[${thresholds.join(',')}]}`);
  }

  @Get('thresholds/:symbol')
  @ApiOperation({
    summary: "One symbol's current percentile-filter threshold (the seed's get_percentile_threshold)",
  })
  @ApiOkResponse({ type: PercentileThresholdView })
  @ApiBadRequestResponse({ description: 'symbol invalid' })
  @ApiNotFoundResponse({
    description: 'The detector has not published a threshold for this symbol (or is not running)',
  })
  async threshold(@Param() params: LiquidationSymbolParams, @Res() reply: FastifyReply): Promise<void> {
    const json = await this.thresholds.oneJson(params.symbol);
    if (json === null) throw new NotFoundException(`no percentile threshold for ${params.symbol}`);
    await reply.type(JSON_TYPE).send(json);
  }

  @Get('status')
  @ApiOperation({
    summary:
      "The detector's counters (processed, filtered, stored, memory_rejections, signals) and storage mode",
    description: UNDERCOUNT_NOTE,
  })
  @ApiOkResponse({ type: DetectorStatusView })
  async status(): Promise<DetectorStatusView> {
    // Three reads sent together (auto-pipelined: one round trip).
    const [counters, storage, symbols] = await Promise.all([
      this.state.counters(),
      this.state.storageState(),
      this.store.symbols(),
    ]);
    return { running: storage !== null, counters, storage, symbols, note: UNDERCOUNT_NOTE };
  }

  @Get('history')
  @ApiOperation({
    summary: 'Stored liquidations of a symbol with start <= time <= end, oldest first (warm store)',
    description:
      'Every liquidation the warm writer stored (not only the accepted ones), read from the liquidations table ' +
      '(the read replica when DATABASE_READ_URL is set). ' +
      UNDERCOUNT_NOTE,
  })
  @ApiOkResponse({ type: LiquidationHistoryView })
  @ApiBadRequestResponse({ description: 'symbol, start, end or limit invalid, or start after end' })
  async history(@Query() query: LiquidationHistoryQuery): Promise<LiquidationHistoryView> {
    if (query.start > query.end) throw new BadRequestException('start must not be after end');
    const rows = await withPooledClient(this.readPool, (client) =>
      new LiquidationQueryRepository(new PgClientSession(client)).history(
        query.symbol,
        query.start,
        query.end,
        query.limit + 1,
      ),
    );
    const truncated = rows.length > query.limit;
    if (truncated) rows.length = query.limit;
    return {
      symbol: query.symbol,
      start: query.start,
      end: query.end,
      count: rows.length,
      truncated,
      liquidations: rows,
      note: UNDERCOUNT_NOTE,
    };
  }
}
