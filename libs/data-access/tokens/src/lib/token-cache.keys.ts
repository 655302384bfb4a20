/**
 * Every Redis key of the token caches (seed 003), built here and nowhere else, with its TTL.
 *
 * | key                                  | TTL   | value                                   |
 * | ------------------------------------ | ----- | --------------------------------------- |
 * | `token:{id}`                         | 60 s  | JSON: the token's current metrics       |
 * | `velocity:{id}:{timeframe}`          | 300 s | JSON: every window velocity + the trend |
 * | `tokens:list:{sort}:{limit}:{offset}`| 300 s | JSON array of token summaries           |
 * | `tokens:lists`                       | 300 s | set of the list keys written (for invalidation) |
 * | `ws_subs:{token_id}`                 | none  | set of WebSocket connection ids (`<replica>:<n>`) subscribed to the token |
 * | `ws_replica:{replica_id}`            | 30 s  | a gateway replica's heartbeat: its ws_subs members are live while it exists |
 */
export const TOKEN_TTL_SECONDS = 60;
export const TOKEN_LIST_TTL_SECONDS = 300;
export const VELOCITY_TTL_SECONDS = 300;

/** Timeframes of `velocity:{id}:{timeframe}`; `24h` is the current velocity (24h volume / market cap). */
export const VELOCITY_TIMEFRAMES = ['1h', '4h', '12h', '24h', '7d'] as const;
export type VelocityTimeframe = (typeof VELOCITY_TIMEFRAMES)[number];

/** Orders of the token lists (`tokens:list:{sort}:...`), all descending. */
export const TOKEN_LIST_SORTS = ['market_cap', 'volume_24h', 'velocity', 'percent_change_24h'] as const;
export type TokenListSort = (typeof TOKEN_LIST_SORTS)[number];

export const TOKEN_LIST_PREFIX = 'tokens:list:';
export const TOKEN_LIST_INDEX_KEY = 'tokens:lists';
/**
 * Pub/sub channel announcing that the `tokens:list:*` keys were invalidated (message: how many
 * existed), so readers that keep lists in their own memory (the gateway) drop theirs at once.
 */
export const TOKEN_LISTS_INVALIDATED_CHANNEL = 'tokens:lists:invalidated';

export function tokenKey(tokenId: number): string {
  return `token:${tokenId}`;
}

export function velocityKey(tokenId: number, timeframe: VelocityTimeframe): string {
  return `velocity:${tokenId}:${timeframe}`;
}

export function tokenListKey(sort: TokenListSort, limit: number, offset: number): string {
  return `${TOKEN_LIST_PREFIX}${sort}:${limit}:${offset}`;
}

export const WS_SUBS_PREFIX = 'ws_subs:';

/** seed 003: `ws_subs:{token_id}`, no TTL (connections add and remove themselves; dead replicas are swept). */
export function wsSubscriptionsKey(tokenId: number): string {
  return `${WS_SUBS_PREFIX}${tokenId}`;
}

/** A gateway replica's heartbeat, refreshed while it runs; without it the replica's ws_subs members are stale. */
export function wsReplicaKey(replicaId: string): string {
  return `ws_replica:${replicaId}`;
}
