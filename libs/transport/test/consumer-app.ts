/**
 * A Nest microservice on the Redis Streams transport, for the transport's integration tests.
 * Run as a child process (see spawnTs) it reads its settings from the environment, so a test can
 * SIGKILL it mid-batch.
 */
import 'reflect-metadata';
import { Controller, Inject, Module, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import type Redis from 'ioredis';
import { TradeStream, type TradeMessage } from '@mdp/schemas';
import { createRedisConnection, type RedisClient } from '@mdp/platform';
import { OnStream, RedisStreamsServer, StreamContext, type RedisStreamsServerOptions } from '../src';

export type TradeBehaviour = (trades: TradeMessage[], context: StreamContext) => Promise<void>;

const BEHAVIOUR = Symbol('behaviour');

@Controller()
class BatchTradeController {
  constructor(@Inject(BEHAVIOUR) private readonly behaviour: TradeBehaviour) {}

  @OnStream(TradeStream, { batch: true })
  async onTrades(@Payload() trades: TradeMessage[], @Ctx() context: StreamContext): Promise<void> {
    await this.behaviour(trades, context);
  }
}

@Controller()
class DeferredTradeController {
  constructor(@Inject(BEHAVIOUR) private readonly behaviour: TradeBehaviour) {}

  @OnStream(TradeStream, { batch: true, ack: 'deferred' })
  async onTrades(@Payload() trades: TradeMessage[], @Ctx() context: StreamContext): Promise<void> {
    await this.behaviour(trades, context);
  }
}

@Controller()
class SingleTradeController {
  constructor(@Inject(BEHAVIOUR) private readonly behaviour: TradeBehaviour) {}

  @OnStream(TradeStream)
  async onTrade(@Payload() trade: TradeMessage, @Ctx() context: StreamContext): Promise<void> {
    await this.behaviour([trade], context);
  }
}

@Module({})
class ConsumerModule {
  static with(behaviour: TradeBehaviour, batch: boolean, deferred: boolean): DynamicModule {
    return {
      module: ConsumerModule,
      controllers: [
        deferred ? DeferredTradeController : batch ? BatchTradeController : SingleTradeController,
      ],
      providers: [{ provide: BEHAVIOUR, useValue: behaviour }],
    };
  }
}

export interface TestConsumer {
  app: INestMicroservice;
  server: RedisStreamsServer;
  redis: RedisClient;
  close(): Promise<void>;
}

export async function startConsumer(
  redisUrl: string,
  behaviour: TradeBehaviour,
  options: Partial<RedisStreamsServerOptions> & { batch?: boolean; deferred?: boolean } = {},
): Promise<TestConsumer> {
  const redis = createRedisConnection(redisUrl);
  const { batch = true, deferred = false, ...serverOptions } = options;
  const server = new RedisStreamsServer({ redis, group: 'test-group', blockMs: 200, ...serverOptions });
  const app = await NestFactory.createMicroservice(ConsumerModule.with(behaviour, batch, deferred), {
    strategy: server,
    logger: false,
  });
  try {
    await app.listen();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return {
    app,
    server,
    redis,
    close: async () => {
      await app.close();
      redis.disconnect();
    },
  };
}

/** The idempotent effect every test consumer applies: count an event once, however often it is delivered. */
export async function recordOnce(redis: RedisClient, trades: TradeMessage[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const trade of trades) pipeline.sadd('effect:seen', trade.tradeId);
  const results = (await pipeline.exec()) ?? [];
  const fresh = results.filter(([, added]) => added === 1).length;
  if (fresh > 0) await redis.incrby('effect:count', fresh);
  await redis.incrby('effect:invocations', trades.length);
}

if (require.main === module) {
  // Child mode: handle batches slowly, announcing each batch before finishing it.
  const url = process.env['CONSUMER_REDIS_URL']!;
  const delayMs = Number(process.env['CONSUMER_DELAY_MS'] ?? '100');
  let redis: Redis;
  void startConsumer(
    url,
    async (trades) => {
      process.stdout.write(`handling ${trades.length}\n`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await recordOnce(redis, trades);
    },
    { consumer: 'doomed', readCount: 5, claimIdleMs: 60_000 },
  ).then((consumer) => {
    redis = consumer.redis as Redis;
    process.stdout.write('ready\n');
  });
}
