import { Controller, Get, Inject, NotFoundException, Param, Query, Res } from '@nestjs/common';
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
import { ActiveSignalRepository, LiquidationStoreRepository } from '@mdp/data-access-liquidation';
import {
  LiquidationQueryRepository,
  PgClientSession,
  withPooledClient,
  type LiquidationSignalRow,
} from '@mdp/data-access-warm-store';
import { PG_READ_POOL } from '../gateway.dependencies';
import { LiquidationSymbolParams, RecentSignalsQuery } from './liquidation-requests.dto';
import { LiquidationSignalView } from './liquidation.views';
import { JSON_TYPE } from '../http/json-type';

/**
 * Liquidation/VWAP signals (seed 001): the active one per symbol from `signal:active:<SYMBOL>` (served
 * as stored), and recent ones from the warm store's liquidation_signals table.
 */
@ApiTags('signals')
@ApiServiceUnavailableResponse({ description: 'Redis (or, for recent, the database) is unavailable' })
@Controller('api/signals')
export class SignalsController {
  constructor(
    private readonly signals: ActiveSignalRepository,
    private readonly store: LiquidationStoreRepository,
    @Inject(PG_READ_POOL) private readonly readPool: Pool,
  ) {}

  @Get('active')
  @ApiOperation({
    summary:
      'The active signal of every symbol (signal:active:<SYMBOL>, live SIGNAL_TTL_SECONDS after it was raised)',
    description:
      'Symbols are those with stored liquidations (liquidation-detector:{liquidation-detector}:symbols, the last 25 h): a ' +
      'signal is only raised for an accepted liquidation. Ordered by symbol.',
  })
  @ApiOkResponse({ type: [LiquidationSignalView] })
  async active(@Res() reply: FastifyReply): Promise<void> {
    const symbols = await this.store.symbols();
    const signals = await this.signals.activeJsonOf(symbols);
    await reply.type(JSON_TYPE).send(`[${signals.join(',')}]`);
  }

  @Get('active/:symbol')
  @ApiOperation({ summary: "A symbol's active signal (signal:active:<SYMBOL>), as stored" })
  @ApiOkResponse({ type: LiquidationSignalView })
  @ApiBadRequestResponse({ description: 'symbol invalid' })
  @ApiNotFoundResponse({ description: 'No active signal for this symbol (none raised, or it expired)' })
  async activeOf(@Param() params: LiquidationSymbolParams, @Res() reply: FastifyReply): Promise<void> {
    const json = await this.signals.activeJson(params.symbol);
    if (json === null) throw new NotFoundException(`no active signal for ${params.symbol}`);
    await reply.type(JSON_TYPE).send(json);
  }

  @Get('recent')
  @ApiOperation({
    summary: 'The newest signals, of one symbol or all, newest first (warm store)',
    description:
      'Read from the liquidation_signals table (index symbol, time DESC; the read replica when DATABASE_READ_URL is set) ' +
      "rather than stream:{signals}: the table filters by symbol through an index and is not cut by the stream's " +
      'MAXLEN trimming, where XREVRANGE would scan the whole stream for a rare symbol. The warm writer stores a ' +
      'signal within about a second; the current one is always in /api/signals/active.',
  })
  @ApiOkResponse({ type: [LiquidationSignalView] })
  @ApiBadRequestResponse({ description: 'symbol or limit invalid' })
  recent(@Query() query: RecentSignalsQuery): Promise<LiquidationSignalRow[]> {
    return withPooledClient(this.readPool, (client) =>
      new LiquidationQueryRepository(new PgClientSession(client)).recentSignals(
        query.symbol ?? null,
        query.limit,
      ),
    );
  }
}
