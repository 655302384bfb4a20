import { BadRequestException, Controller, Get, NotFoundException, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { TokenIdParams, TokenListQuery, VelocityHistoryQuery, VelocityQuery } from './token-requests.dto';
import { TokenReadService, type VelocityPoint } from './token-read.service';
import { TokenSummaryView, TokenView, VelocityPointView, VelocityView } from './token.views';
import { HotRoute } from '../http/hot-route';
import { JSON_TYPE } from '../http/json-type';

const WEEK_MS = 7 * 24 * 3_600_000;

/** Seed 003 tokens and velocity: lists, one token and its velocities through the Redis caches, history from the warm store. */
@ApiTags('tokens')
@Controller('api/tokens')
export class TokensController {
  constructor(private readonly tokens: TokenReadService) {}

  @Get()
  @HotRoute()
  @ApiOperation({
    summary: 'One page of tokens by market cap, 24h volume, velocity or 24h change (descending)',
    description:
      'Served from tokens:list:{sort}:{limit}:{offset} (300 s); on a miss read from the warm store and cached.',
  })
  @ApiOkResponse({ type: TokenSummaryView, isArray: true })
  @ApiBadRequestResponse({ description: 'Unknown sort, limit outside 1..500, offset outside 0..10000' })
  list(@Query() query: TokenListQuery, @Res() reply: FastifyReply): Promise<void> | undefined {
    // A kept page is sent at once, without an async function or awaiting the reply (a hot route).
    const kept = this.tokens.keptList(query);
    if (kept !== undefined) {
      void reply.type(JSON_TYPE).send(kept);
      return undefined;
    }
    return this.tokens.loadList(query.sort, query.limit, query.offset).then((json) => {
      void reply.type(JSON_TYPE).send(json);
    });
  }

  @Get(':id')
  @ApiOperation({
    summary: "A token's current metrics",
    description: 'Served from token:{id} (60 s); on a miss read from the warm store and cached.',
  })
  @ApiOkResponse({ type: TokenView })
  @ApiBadRequestResponse({ description: 'id is not a positive integer' })
  @ApiNotFoundResponse({ description: 'No active token with this id' })
  async token(@Param() params: TokenIdParams, @Res() reply: FastifyReply): Promise<void> {
    const json = await this.tokens.token(params.id);
    if (json === null) throw new NotFoundException(`no token ${params.id}`);
    await reply.type(JSON_TYPE).send(json);
  }

  @Get(':id/velocity')
  @ApiOperation({
    summary: "A token's velocities (1h, 4h, 12h, 24h, 7d) and trend",
    description:
      'Served from velocity:{id}:{timeframe} (300 s); on a miss read from the warm store and cached.',
  })
  @ApiOkResponse({ type: VelocityView })
  @ApiBadRequestResponse({ description: 'id is not a positive integer, or an unknown timeframe' })
  @ApiNotFoundResponse({ description: 'No active token with this id' })
  async velocity(
    @Param() params: TokenIdParams,
    @Query() query: VelocityQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const json = await this.tokens.velocity(params.id, query.timeframe);
    if (json === null) throw new NotFoundException(`no token ${params.id}`);
    await reply.type(JSON_TYPE).send(json);
  }

  @Get(':id/velocity/history')
  @ApiOperation({
    summary: "A token's stored metrics over time (token_metrics), oldest first",
    description:
      'Read from the warm store (the read replica when configured). Default range: the 7 days before end (default now).',
  })
  @ApiOkResponse({ type: VelocityPointView, isArray: true })
  @ApiBadRequestResponse({ description: 'Bad id, start, end or limit, or start after end' })
  @ApiNotFoundResponse({ description: 'No token with this id' })
  async velocityHistory(
    @Param() params: TokenIdParams,
    @Query() query: VelocityHistoryQuery,
  ): Promise<VelocityPoint[]> {
    const end = query.end ?? Date.now();
    const start = query.start ?? Math.max(0, end - WEEK_MS);
    if (start > end) throw new BadRequestException('start must not be after end');
    const points = await this.tokens.velocityHistory(params.id, start, end, query.limit);
    if (points === null) throw new NotFoundException(`no token ${params.id}`);
    return points;
  }
}
