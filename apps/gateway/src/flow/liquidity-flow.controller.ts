import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  FLOW_COINS,
  FLOW_KEY_PREFIX,
  FlowDataValidationError,
  LiquidityFlowRepository,
  isFlowCoin,
  validateStoredFlowData,
} from '@mdp/data-access-flow';
import type { StoredFlowData } from '@mdp/domain-flow';
import {
  ClearFlowParams,
  DeleteFlowBody,
  FlowSuccess,
  HistoricalFlowQuery,
  RetrieveFlowQuery,
} from './flow-requests.dto';
import { STORED_FLOW_DATA_SCHEMA } from './stored-flow-data.schema';
import { HotRoute } from '../http/hot-route';
import { JSON_TYPE } from '../http/json-type';
import { AnswerCache } from '../answers/answer.cache';
import { AnswerInvalidationService } from '../answers/answer-invalidation.service';

/**
 * The most snapshots one historical answer holds (oldest first); `X-Truncated: true` says the range
 * held more. The TTLs bound an index to about 60 live snapshots (1m: 1 h, 4h: 7 days), so this only
 * guards against a runaway index.
 */
export const MAX_HISTORICAL_SNAPSHOTS = 1_000;

/**
 * Seed 000 liquidity flow endpoints, paths, parameters and answers as the seed gives them. Snapshots
 * are answered with the JSON stored in Redis, byte for byte (no parse and re-serialize).
 */
@ApiTags('liquidity-flow')
@Controller('api/liquidity-flow')
export class LiquidityFlowController {
  constructor(
    private readonly flows: LiquidityFlowRepository,
    private readonly answers: AnswerCache,
    private readonly invalidation: AnswerInvalidationService,
  ) {}

  @Post('store')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Store a flow snapshot (seed 000 StoredFlowData)',
    description:
      'Validates every field; the key must be liquidity-flow:{coin}:{timeWindow}:{timestamp} and the timestamp a window boundary. ' +
      'Stored with the TTL of its window (1m 1 h, 5m 4 h, 15m 12 h, 1h 24 h, 4h 7 days), expiresAt set to now + TTL, and indexed in liquidity-flow:{coin}:{timeWindow}:index.',
  })
  @ApiBody({ schema: STORED_FLOW_DATA_SCHEMA })
  @ApiOkResponse({ type: FlowSuccess })
  @ApiBadRequestResponse({
    description: 'The body breaks the StoredFlowData shape; message lists every problem',
  })
  async store(@Body() body: unknown): Promise<FlowSuccess> {
    const problems: string[] = [];
    let valid: StoredFlowData | null = null;
    try {
      valid = validateStoredFlowData(body);
    } catch (error) {
      if (!(error instanceof FlowDataValidationError)) throw error;
      problems.push(...error.problems);
    }
    const coin = (body as { coin?: unknown } | null)?.coin;
    if (typeof coin === 'string' && !isFlowCoin(coin))
      problems.push(`coin: must be one of ${FLOW_COINS.join(', ')}`);
    if (valid === null || problems.length > 0) throw new BadRequestException(problems);
    await this.flows.store(valid, Date.now(), { trusted: true });
    await this.invalidation.written(valid.key);
    return { success: true };
  }

  @Get('retrieve')
  @HotRoute()
  @ApiOperation({ summary: 'One flow snapshot by key' })
  @ApiOkResponse({ schema: STORED_FLOW_DATA_SCHEMA })
  @ApiBadRequestResponse({ description: 'key is not a liquidity-flow snapshot key' })
  @ApiNotFoundResponse({ description: 'No snapshot under this key (never stored, expired or deleted)' })
  retrieve(@Query() query: RetrieveFlowQuery, @Res() reply: FastifyReply): Promise<void> | undefined {
    const key = query.key;
    // A kept answer is sent at once, without an async function or awaiting the reply (this is the
    // hottest route); a miss reads Redis first.
    const kept = this.answers.lookup(key, 'flow');
    if (kept !== undefined) {
      void reply.type(JSON_TYPE).send(kept);
      return undefined;
    }
    return this.answers
      .load(key, () => this.flows.retrieveBytes(key))
      .then((json) => {
        if (json === null) throw new NotFoundException(`no flow data under ${key}`);
        void reply.type(JSON_TYPE).send(json);
      });
  }

  @Get('historical')
  @ApiOperation({
    summary: 'Snapshots of a coin and window with start <= timestamp <= end, oldest first',
    description: `Read from the liquidity-flow:{coin}:{timeWindow}:index sorted set. At most ${MAX_HISTORICAL_SNAPSHOTS} snapshots; the header X-Truncated: true says the range held more.`,
  })
  @ApiOkResponse({ schema: { type: 'array', items: STORED_FLOW_DATA_SCHEMA } })
  @ApiBadRequestResponse({
    description: 'Unknown coin or window, start or end not an epoch ms, start after end',
  })
  async historical(@Query() query: HistoricalFlowQuery, @Res() reply: FastifyReply): Promise<void> {
    if (query.start > query.end) throw new BadRequestException('start must not be after end');
    const { snapshots, truncated } = await this.flows.historicalJson(
      query.coin,
      query.timeWindow,
      query.start,
      query.end,
      MAX_HISTORICAL_SNAPSHOTS,
    );
    if (truncated) void reply.header('x-truncated', 'true');
    await reply.type(JSON_TYPE).send(`[${snapshots.join(',')}]`);
  }

  @Delete('delete')
  @ApiOperation({ summary: 'Delete one snapshot and its index entry' })
  @ApiOkResponse({ type: FlowSuccess })
  @ApiBadRequestResponse({ description: 'key is not a liquidity-flow snapshot key' })
  @ApiNotFoundResponse({ description: 'No snapshot under this key' })
  async delete(@Body() body: DeleteFlowBody): Promise<FlowSuccess> {
    if (!(await this.flows.delete(body.key))) throw new NotFoundException(`no flow data under ${body.key}`);
    await this.invalidation.written(body.key);
    return { success: true };
  }

  @Delete('clear/:coin')
  @ApiOperation({ summary: 'Delete every snapshot and index of a coin' })
  @ApiParam({ name: 'coin', enum: FLOW_COINS })
  @ApiOkResponse({ type: FlowSuccess })
  @ApiNotFoundResponse({ description: `Unknown coin (the coins are ${FLOW_COINS.join(', ')})` })
  async clear(@Param() params: ClearFlowParams): Promise<FlowSuccess> {
    if (!isFlowCoin(params.coin))
      throw new NotFoundException(`unknown coin ${params.coin}: the coins are ${FLOW_COINS.join(', ')}`);
    await this.flows.clear(params.coin);
    await this.invalidation.writtenUnder(`${FLOW_KEY_PREFIX}:${params.coin}:`);
    return { success: true };
  }
}
