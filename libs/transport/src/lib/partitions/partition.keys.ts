/**
 * Redis keys of a partitioned service's replicas (membership, leases, checkpoints): every key of
 * service `s` is `s:{s}:<what>`, so the hash tag puts them in one slot and each script's keys live
 * together on a Redis Cluster. Built here only.
 */
function prefix(service: string): string {
  return `${service}:{${service}}`;
}

/**
 * Sorted set of the live replicas (member: replica number; score: heartbeat expiry, ms of the
 * server's clock), with a TTL refreshed by every heartbeat.
 */
export function partitionMembersKey(service: string): string {
  return `${prefix(service)}:members`;
}

/** Hash replica number -> token of the process holding it (one process per replica number), with a TTL. */
export function partitionInstancesKey(service: string): string {
  return `${prefix(service)}:instances`;
}

/** String: token of the process holding partition `partition` of `count`, with a TTL (the lease). */
export function partitionLeaseKey(service: string, partition: number, count: number): string {
  return `${prefix(service)}:lease:${partition}-of-${count}`;
}

/** String (MessagePack): checkpoint of partition `partition` of `count`, no TTL (it is the state). */
export function partitionCheckpointKey(service: string, partition: number, count: number): string {
  return `${prefix(service)}:checkpoint:${partition}-of-${count}`;
}

/** Hash partition -> JSON of the stream positions its checkpoint covers, for `count` partitions; no TTL. */
export function partitionPositionsKey(service: string, count: number): string {
  return `${prefix(service)}:positions:${count}`;
}
