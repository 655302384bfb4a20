import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Pool } from 'pg';
import { TIMEFRAME_MS } from '@mdp/domain-flow';
import { LiveCandleRepository } from '@mdp/data-access-flow';
import { CandleQueryRepository, PgClientSession, withPooledClient } from '@mdp/data-access-warm-store';
import type { CandleMessage } from '@mdp/schemas';
import { PG_READ_POOL } from '../gateway.dependencies';
import { CandleQuery, CandleSymbolParams, LiveCandleQuery } from './candle-requests.dto';
import { CandlesView, LiveCandleView } from './candle.views';

/** Candles of any timeframe: closed ones from the warm store's aggregates, the one in progress from Redis. */
@ApiTags('candles')
@Controller('api/candles')
export class CandlesController {
  constructor(
    @Inject(PG_READ_POOL) private readonly readPool: Pool,
    private readonly live: LiveCandleRepository,
  ) {}

  @Get(':symbol')
  @ApiOperation({
    summary: 'Candles of a symbol and timeframe, oldest first, with the candle in progress',
    description:
      'Closed candles from the warm store (1m table; 5m, 15m, 1h, 4h, 1d continuous aggregates or materialized views), on the read replica when configured: ' +
      'the newest `limit` periods with start <= openTime < end. `live` is candle:current:<TIMEFRAME>:<SYMBOL> from Redis when it falls in the range.',
  })
  @ApiOkResponse({ type: CandlesView })
  @ApiBadRequestResponse({
    description: 'Bad symbol, timeframe, start, end, limit or exchange, or start not before end',
  })
  async candles(@Param() params: CandleSymbolParams, @Query() query: CandleQuery): Promise<CandlesView> {
    const periodMs = TIMEFRAME_MS[query.timeframe];
    const end = query.end ?? Date.now() + periodMs;
    const start = query.start ?? Math.max(0, end - query.limit * periodMs);
    if (start >= end) throw new BadRequestException('start must be before end');
    const [candles, live] = await Promise.all([
      withPooledClient(this.readPool, (client) =>
        new CandleQueryRepository(new PgClientSession(client)).latest(
          query.timeframe,
          params.symbol,
          query.exchange,
          start,
          end,
          query.limit,
        ),
      ),
      this.live.read(query.timeframe, params.symbol),
    ]);
    const last = candles.length > 0 ? candles[candles.length - 1]!.openTime : -1;
    const current =
      live !== null &&
      live.exchange === query.exchange &&
      live.openTime >= start &&
      live.openTime < end &&
      live.openTime > last
        ? live
        : null;
    return {
      symbol: params.symbol,
      exchange: query.exchange,
      timeframe: query.timeframe,
      candles,
      live: current,
    };
  }

  @Get(':symbol/live')
  @ApiOperation({ summary: 'The candle in progress (Redis candle:current:<TIMEFRAME>:<SYMBOL>)' })
  @ApiOkResponse({ type: LiveCandleView })
  @ApiBadRequestResponse({ description: 'Bad symbol or timeframe' })
  @ApiNotFoundResponse({ description: 'No candle in progress for this symbol and timeframe' })
  async liveCandle(
    @Param() params: CandleSymbolParams,
    @Query() query: LiveCandleQuery,
  ): Promise<CandleMessage> {
    const live = await this.live.read(query.timeframe, params.symbol);
    if (live === null)
      throw new NotFoundException(`no ${query.timeframe} candle in progress for ${params.symbol}`);
    return live;
  }
}
