import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { FlowSnapshotStream, type FlowSnapshotNoticeMessage } from '@mdp/schemas';
import { TOKEN_LISTS_INVALIDATED_CHANNEL, TOKEN_LIST_PREFIX } from '@mdp/data-access-tokens';
import { FLOW_KEY_PREFIX } from '@mdp/data-access-flow';
import { createRedisConnection, type Logger, type RedisClient } from '@mdp/platform';
import type { GatewayConfig } from '../gateway.config';
import type { PubSubHub } from '../realtime/pubsub.hub';
import { StreamTail } from '../realtime/stream-tail.reader';
import type { AnswerCache } from './answer.cache';

/**
 * Pub/sub channel on which a gateway replica announces the flow keys it wrote or deleted itself
 * (`POST store`, `DELETE delete`: the key; `DELETE clear/{coin}`: a key prefix ending in `*`), so
 * every replica drops its kept answers of them.
 */
export const ANSWER_INVALIDATED_CHANNEL = 'gateway:answers:invalidated';

/** Every flow snapshot key starts with this (seed 000 `liquidity-flow:{coin}:{timeWindow}:{timestamp}`). */
const FLOW_PREFIX = `${FLOW_KEY_PREFIX}:`;

/**
 * Wires the system's own announcements to the AnswerCache:
 * - `stream:{flow-snapshots}` (every snapshot the flow aggregator writes), followed with plain XREAD
 *   on a connection of its own: the notice's key is dropped;
 * - `gateway:answers:invalidated` (pub/sub): keys written or deleted through any gateway replica;
 * - `tokens:lists:invalidated` (pub/sub, TokenCacheRepository.invalidateLists): every token list.
 * When a source was interrupted (the stream tail resumes after a failure, the subscriber connection
 * comes back) what it said meanwhile is unknown, so everything kept from it is dropped. Past that,
 * ANSWER_CACHE_TTL_MS bounds how long a missed announcement can leave an answer stale.
 */
export class AnswerInvalidationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly tail: StreamTail | null;
  private readonly stops: Array<() => unknown> = [];

  constructor(
    private readonly cache: AnswerCache,
    private readonly hub: PubSubHub,
    private readonly redis: RedisClient,
    config: GatewayConfig,
    logger: Logger,
  ) {
    this.tail = cache.enabled
      ? new StreamTail({
          definition: FlowSnapshotStream,
          blockMs: config.WS_READ_BLOCK_MS,
          logger,
          onEvents: (events) => {
            for (const event of events) cache.invalidate((event as FlowSnapshotNoticeMessage).key);
          },
          onGap: () => cache.invalidatePrefix(FLOW_PREFIX),
          connect: () =>
            createRedisConnection(config.REDIS_URL, {
              maxRetriesPerRequest: 0,
              commandTimeout: config.WS_READ_BLOCK_MS + 2_000,
              connectionName: 'gateway-answer-cache',
            }),
        })
      : null;
  }

  /** Drops the kept answer of `key` here and announces it to every replica (after a write or delete of it). */
  async written(key: string): Promise<void> {
    this.cache.invalidate(key);
    await this.redis.publish(ANSWER_INVALIDATED_CHANNEL, key);
  }

  /** Drops the kept answers of every key starting with `prefix` here and on every replica. */
  async writtenUnder(prefix: string): Promise<void> {
    this.cache.invalidatePrefix(prefix);
    await this.redis.publish(ANSWER_INVALIDATED_CHANNEL, `${prefix}*`);
  }

  onApplicationBootstrap(): void {
    if (!this.tail) return;
    // Not awaited: with Redis down at start these complete when it is back; the TTL covers the gap.
    void this.tail.retain();
    const subscriptions = [
      this.hub.subscribe(ANSWER_INVALIDATED_CHANNEL, (_channel, message) =>
        message.endsWith('*')
          ? this.cache.invalidatePrefix(message.slice(0, -1))
          : this.cache.invalidate(message),
      ),
      this.hub.subscribe(TOKEN_LISTS_INVALIDATED_CHANNEL, () =>
        this.cache.invalidatePrefix(TOKEN_LIST_PREFIX),
      ),
    ];
    for (const subscription of subscriptions) {
      subscription.catch(() => undefined);
      this.stops.push(() => subscription.then((stop) => stop()).catch(() => undefined));
    }
    this.stops.push(this.hub.onReconnect(() => this.cache.clear()));
  }

  async onApplicationShutdown(): Promise<void> {
    // Not awaited: a subscription still waiting for Redis (down) never completes, and must not hold the stop up.
    for (const stop of this.stops) void stop();
    await this.tail?.close();
  }
}
