import { isCluster, type RedisClient } from '@mdp/platform';
import { WS_SUBS_PREFIX, wsReplicaKey, wsSubscriptionsKey } from './token-cache.keys';

/** The replica part of a connection id `<replica id>:<n>` (everything before the last colon). */
export function replicaOfConnection(connectionId: string): string {
  const colon = connectionId.lastIndexOf(':');
  return colon < 0 ? connectionId : connectionId.slice(0, colon);
}

/**
 * seed 003's `ws_subs:{token_id}` sets: which WebSocket connections (ids `<replica id>:<n>`, unique
 * across gateway replicas) are subscribed to a token. The sets have no TTL, so nothing may leak:
 * a connection removes itself on unsubscribe and disconnect, a stopping replica removes all of its
 * members, and `sweep` removes the members of replicas whose heartbeat (`ws_replica:{id}`) is gone
 * (crashed) and this replica's own members that no live connection holds (a start after a crash, a
 * removal lost during an outage).
 */
export class WsSubscriptionRepository {
  constructor(private readonly redis: RedisClient) {}

  async add(tokenId: number, connectionId: string): Promise<void> {
    await this.redis.sadd(wsSubscriptionsKey(tokenId), connectionId);
  }

  async remove(tokenId: number, connectionId: string): Promise<void> {
    await this.redis.srem(wsSubscriptionsKey(tokenId), connectionId);
  }

  /** Removes many memberships at once (one command per token, sent together). */
  async removeAll(memberships: ReadonlyArray<{ tokenId: number; connectionId: string }>): Promise<void> {
    const byToken = new Map<number, string[]>();
    for (const { tokenId, connectionId } of memberships) {
      const list = byToken.get(tokenId);
      if (list) list.push(connectionId);
      else byToken.set(tokenId, [connectionId]);
    }
    await Promise.all(
      [...byToken].map(([tokenId, ids]) => this.redis.srem(wsSubscriptionsKey(tokenId), ...ids)),
    );
  }

  /** Adds many memberships at once (after an outage, to restore what a sweep may have removed). */
  async addAll(memberships: ReadonlyArray<{ tokenId: number; connectionId: string }>): Promise<void> {
    await Promise.all(memberships.map(({ tokenId, connectionId }) => this.add(tokenId, connectionId)));
  }

  async members(tokenId: number): Promise<string[]> {
    return (await this.redis.smembers(wsSubscriptionsKey(tokenId))).sort();
  }

  /** Marks `replicaId` alive for `ttlSeconds`. */
  async heartbeat(replicaId: string, ttlSeconds: number, now = Date.now()): Promise<void> {
    await this.redis.set(wsReplicaKey(replicaId), String(now), 'EX', ttlSeconds);
  }

  async forgetReplica(replicaId: string): Promise<void> {
    await this.redis.del(wsReplicaKey(replicaId));
  }

  /**
   * Removes stale members from every `ws_subs:*` set: those of `ownReplicaId` for which `isOwnLive`
   * (connection id, token id) says no, and those of other replicas without a heartbeat. Returns how many were removed.
   * A SCAN over the keyspace (every master of a cluster): for start-up and a periodic sweep, not a hot path.
   */
  async sweep(
    ownReplicaId: string,
    isOwnLive: (connectionId: string, tokenId: number) => boolean,
  ): Promise<number> {
    const alive = new Map<string, boolean>();
    let removed = 0;
    for (const key of await this.keys()) {
      const tokenId = Number(key.slice(WS_SUBS_PREFIX.length));
      const members = await this.redis.smembers(key);
      const stale: string[] = [];
      for (const member of members) {
        const replica = replicaOfConnection(member);
        if (replica === ownReplicaId) {
          if (!isOwnLive(member, tokenId)) stale.push(member);
          continue;
        }
        let live = alive.get(replica);
        if (live === undefined) {
          live = (await this.redis.exists(wsReplicaKey(replica))) === 1;
          alive.set(replica, live);
        }
        if (!live) stale.push(member);
      }
      if (stale.length > 0) removed += await this.redis.srem(key, ...stale);
    }
    return removed;
  }

  private async keys(): Promise<string[]> {
    const nodes = isCluster(this.redis) ? this.redis.nodes('master') : [this.redis];
    const keys = new Set<string>();
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', `${WS_SUBS_PREFIX}*`, 'COUNT', 500);
        cursor = next;
        for (const key of batch) keys.add(key);
      } while (cursor !== '0');
    }
    return [...keys];
  }
}
