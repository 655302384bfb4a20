/**
 * How a partitioned service's keys (symbols, coins) are spread over its replicas: a key belongs to
 * partition `hash(key, count)` (a fixed count), and each partition to one live replica at a time
 * (`ownerOf`: the sorted live replicas take the partitions in turn). Replica 0 reads in consumer
 * group `<service>` (the group of a single replica, the one an autoscaler watches), replica k in
 * `<service>-<k>`.
 */
export class ReplicaPartitions {
  readonly group: string;
  private readonly partitionOfKey = new Map<string, number>();

  constructor(
    readonly service: string,
    readonly replica: number,
    readonly count: number,
    private readonly hash: (key: string, count: number) => number,
  ) {
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(replica) || replica < 0)
      throw new RangeError(`replica ${replica} with ${count} partitions: both must be integers, count >= 1`);
    this.group = ReplicaPartitions.groupOf(service, replica);
  }

  static groupOf(service: string, replica: number): string {
    return replica === 0 ? service : `${service}-${replica}`;
  }

  /** The replica number whose group `group` is, or null when it is not a replica group of `service`. */
  static replicaOfGroup(service: string, group: string): number | null {
    if (group === service) return 0;
    if (!group.startsWith(`${service}-`)) return null;
    const rest = group.slice(service.length + 1);
    return /^[1-9]\d*$/.test(rest) ? Number(rest) : null;
  }

  /** The replica that should hold `partition` among `live` (sorted ascending, not empty). */
  static ownerOf(partition: number, live: readonly number[]): number {
    return live[partition % live.length]!;
  }

  partitionOf(key: string): number {
    let partition = this.partitionOfKey.get(key);
    if (partition === undefined) {
      partition = this.hash(key, this.count);
      this.partitionOfKey.set(key, partition);
    }
    return partition;
  }
}
