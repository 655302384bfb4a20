import type { RedisClient } from '@mdp/platform';

/** Most ids per XACK call. */
const ACK_CHUNK = 1_000;

/**
 * Acknowledges stream entries of one consumer group for a handler declared with
 * `@OnStream(..., { ack: 'deferred' })`: the application calls `ack` once what it made of the
 * entries is durable. One XACK per stream (and per 1,000 ids), so it works on a Redis Cluster,
 * where streams live in different slots. Acknowledging an entry twice is harmless (XACK counts 0).
 */
export class StreamAcknowledger {
  constructor(
    private readonly redis: RedisClient,
    readonly group: string,
  ) {}

  /** Acknowledges `ids` of `stream`; returns how many were still pending. Rejects when Redis does. */
  async ack(stream: string, ids: readonly string[]): Promise<number> {
    let acked = 0;
    for (let i = 0; i < ids.length; i += ACK_CHUNK) {
      acked += await this.redis.xack(stream, this.group, ...ids.slice(i, i + ACK_CHUNK));
    }
    return acked;
  }
}
