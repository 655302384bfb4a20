import { performance } from 'node:perf_hooks';
import type { Logger, RedisClient } from '@mdp/platform';
import { MessageValidator, type StreamDefinition } from '@mdp/schemas';
import { StreamAcknowledger } from '../stream-acknowledger';
import { decodeEntry } from '../stream-codec';
import { errorText } from '../transport-errors';
import type {
  PartitionCheckpoint,
  PartitionCommit,
  PartitionLeaseRepository,
  StreamPositions,
} from './partition-lease.repository';
import { ReplicaPartitions } from './replica-partitions';

/** A partition taken out of the state (checkpoint, release): what a commit writes. */
export interface CapturedPartition {
  partition: number;
  positions: StreamPositions;
  /** The service's part of the checkpoint (its state), taken in the capture's synchronous step. */
  body: object;
  /** Counts since the last capture, added to the repository's counters hash with the checkpoint. */
  counts?: Readonly<Record<string, number>>;
  changed: boolean;
  release: boolean;
}

/** A partition being taken over: its checkpoint (null: none yet) and the positions its state covers. */
export interface AdoptedPartition<B extends object> {
  partition: number;
  positions: StreamPositions;
  checkpoint: (PartitionCheckpoint & B) | null;
}

/** Entries of `stream` after `after` (null: from the start) up to and including `upTo`, decoded and validated: [id, events]. */
export type StreamRangeReader = (
  stream: string,
  after: string | null,
  upTo: string,
) => Promise<Array<[string, object[]]>>;

/**
 * The service side of partitioned consumption: the state of the partitions this replica holds,
 * which the coordinator captures (checkpoint, release), restores and catches up (adopt).
 */
export interface PartitionedState<B extends object> {
  /** Per stream, the last entry id handled here (the replica's read position). */
  readonly lastSeen: Map<string, string>;
  /** Partitions held here, ascending. */
  heldPartitions(): number[];
  /** Called once the replica joined and took its first partitions: the handlers may apply events. */
  markJoined(): void;
  /**
   * Takes over partitions: restores their checkpoints, then (handlers waiting) applies the events
   * of the entries this replica has already read past their positions, read with `readRange`.
   */
  adopt(adopted: ReadonlyArray<AdoptedPartition<B>>, readRange: StreamRangeReader): Promise<void>;
  /**
   * Captures the held partitions that changed and those in `release` (which stop being held), with
   * the ids of the entries handled so far (acknowledged once the capture is written).
   */
  capture(
    release: ReadonlySet<number>,
  ):
    | { partitions: CapturedPartition[]; unacked: Map<string, string[]> }
    | Promise<{ partitions: CapturedPartition[]; unacked: Map<string, string[]> }>;
  /** A capture that could not be written: its counts and ids wait for the next one. */
  restoreCapture(captured: readonly CapturedPartition[], unacked: Map<string, string[]>): void;
  /** Ids whose acknowledgement failed: acknowledged after the next checkpoint. */
  requeueAcks(unacked: Map<string, string[]>): void;
  /** Gives up partitions without a checkpoint (their lease was lost: another replica has them). */
  lose(partitions: readonly number[]): void;
  /** Resolves true once the outputs of the events captured so far are in Redis, false if not within `deadlineMs`. */
  outputsWritten(deadlineMs: number): Promise<boolean>;
}

export interface PartitionCoordinatorOptions {
  heartbeatMs: number;
  leaseMs: number;
  checkpointIntervalMs: number;
  /** Where a replica's new consumer group starts when no partition has a checkpoint yet (STREAM_GROUP_START). */
  groupStart: string;
  /** The streams consumed, in catch-up order (a taken-over partition applies the gap of the first one first). */
  streams: readonly StreamDefinition[];
  /** The setting that numbers the replicas, named in errors (DETECTOR_REPLICA, FLOW_REPLICA). */
  replicaSetting: string;
  /** Called after each checkpoint attempt (metrics). */
  onCheckpoint?: (outcome: 'written' | 'failed') => void;
}

/** Entries read per XRANGE call while a taken-over partition catches up. */
const CATCH_UP_CHUNK = 1_000;
/** Longest wait for the outputs of checkpointed events before a checkpoint gives up this round. */
const OUTPUTS_DEADLINE_MS = 5_000;
/** Every this many heartbeats, the first live replica removes the consumer groups of replicas that are gone. */
const GROUP_CLEANUP_EVERY = 30;

/**
 * Membership, partition handover and checkpoints of one replica of a partitioned stream consumer
 * (docs/liquidation-detector.md and docs/flow-aggregator.md, Scaling). Every heartbeat it renews its
 * membership and leases, and moves partitions to match the live replicas: a partition another
 * replica should hold is checkpointed and released; a free partition this replica should hold is
 * leased, restored from its checkpoint and caught up. Every checkpoint interval (and at shutdown)
 * the changed partitions are checkpointed, once the outputs of their events are in Redis, and then
 * the stream entries the checkpoints cover are acknowledged. All of this runs one step at a time
 * (one chain); lease renewals run beside it.
 */
export class PartitionCoordinator<B extends object> {
  readonly stats = {
    checkpoints: 0,
    checkpointFailures: 0,
    acquired: 0,
    released: 0,
    lost: 0,
    caughtUpEntries: 0,
    /** The last checkpoint written: partitions, bytes, total ms, of which capture + encode (CPU, the turns between encodings left out) and the wait for outputs + commit. */
    lastCheckpoint: null as {
      at: number;
      partitions: number;
      bytes: number;
      ms: number;
      encodeMs: number;
      storeMs: number;
    } | null,
  };
  /** Live replicas at the last heartbeat, ascending. */
  live: number[] = [];
  private joined = false;
  private work: Promise<unknown> = Promise.resolve();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private beats = 0;
  private stopped = false;
  private renewing = false;
  private rebalanceQueued = false;
  /** Partitions leased and being restored and caught up (their leases are renewed too). */
  private adopting: number[] = [];
  private readonly acknowledger: StreamAcknowledger;
  private readonly definitions = new Map<string, StreamDefinition>();
  private readonly validators = new Map<string, MessageValidator<object>>();

  constructor(
    readonly partitions: ReplicaPartitions,
    private readonly repository: PartitionLeaseRepository,
    private readonly state: PartitionedState<B>,
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    private readonly options: PartitionCoordinatorOptions,
  ) {
    this.acknowledger = new StreamAcknowledger(redis, partitions.group);
    for (const definition of options.streams) {
      this.definitions.set(definition.stream, definition);
      this.validators.set(definition.stream, new MessageValidator(definition.messageClass, definition.type));
    }
  }

  get isJoined(): boolean {
    return this.joined;
  }

  /**
   * Joins the replicas before the consumer reads: waits for this replica number to be free (a
   * previous process of it may still hold it, up to 2 x the lease), creates the consumer group at
   * the oldest checkpointed position if it does not exist, takes this replica's share of the free
   * partitions, and starts the timers.
   */
  async join(): Promise<void> {
    const { replica } = this.partitions;
    const deadline = Date.now() + 2 * this.options.leaseMs;
    let beat = await this.repository.heartbeat(replica, []);
    while (!beat.joined) {
      if (Date.now() >= deadline)
        throw new Error(
          `${this.options.replicaSetting} ${replica} is held by another live process (${this.options.leaseMs} ms lease): give each replica its own number`,
        );
      await sleep(this.options.heartbeatMs);
      beat = await this.repository.heartbeat(replica, []);
    }
    this.joined = true;
    await this.prepareGroups();
    await this.serially(() => this.rebalance(beat.live));
    this.state.markJoined();
    // Renewals run beside the serialized steps, so a long catch-up cannot let the leases lapse.
    this.heartbeatTimer = setInterval(() => void this.renew(), this.options.heartbeatMs);
    this.heartbeatTimer.unref();
    this.checkpointTimer = setInterval(
      () => void this.serially(() => this.checkpoint(new Set())),
      this.options.checkpointIntervalMs,
    );
    this.checkpointTimer.unref();
    this.logger.info(
      { replica, group: this.partitions.group, partitions: this.state.heldPartitions(), live: this.live },
      'replica joined',
    );
  }

  /** Graceful stop (after the consumer stopped): checkpoints and releases every partition, leaves the membership. */
  async leave(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    if (!this.joined) return;
    await this.serially(async () => {
      await this.checkpoint(new Set(this.state.heldPartitions()));
      await this.repository.leave(this.partitions.replica);
    });
    this.joined = false;
  }

  /** Checkpoints now (tests, shutdown); resolves when written. */
  checkpointNow(): Promise<void> {
    return this.serially(() => this.checkpoint(new Set()));
  }

  private serially<T>(step: () => Promise<T>): Promise<T> {
    const next = this.work.then(step);
    this.work = next.catch((error: unknown) => {
      this.logger.warn({ error: errorText(error) }, 'partition coordination step failed; retried next time');
    });
    return next;
  }

  /**
   * Renews the membership and the leases of the partitions held or being taken over, drops those
   * lost, and queues a rebalance on the live replicas (one at a time, after the step in hand).
   */
  private async renew(): Promise<void> {
    if (this.stopped || this.renewing) return;
    this.renewing = true;
    try {
      const { replica } = this.partitions;
      const beat = await this.repository.heartbeat(replica, [
        ...this.state.heldPartitions(),
        ...this.adopting,
      ]);
      if (this.stopped) return;
      if (beat.lost.length > 0) {
        this.stats.lost += beat.lost.length;
        this.state.lose(beat.lost);
        this.logger.warn({ partitions: beat.lost }, 'partition leases lost (another replica took them over)');
      }
      if (!beat.joined) {
        this.logger.error({ replica }, 'replica number taken by another process; holding no partition');
        this.state.lose(this.state.heldPartitions());
        return;
      }
      this.live = beat.live;
      this.beats += 1;
      if (this.rebalanceQueued) return;
      this.rebalanceQueued = true;
      const cleanup = this.beats % GROUP_CLEANUP_EVERY === 0 && beat.live[0] === replica;
      void this.serially(async () => {
        this.rebalanceQueued = false;
        if (this.stopped) return;
        await this.rebalance(this.live);
        if (cleanup) await this.removeGoneGroups(this.live);
      });
    } catch (error) {
      this.logger.warn({ error: errorText(error) }, 'heartbeat failed; retried next time');
    } finally {
      this.renewing = false;
    }
  }

  /** Releases the partitions another live replica should hold, takes the free ones this replica should hold. */
  private async rebalance(live: number[]): Promise<void> {
    this.live = live;
    const { replica, count } = this.partitions;
    const held = new Set(this.state.heldPartitions());
    const release = new Set([...held].filter((p) => ReplicaPartitions.ownerOf(p, live) !== replica));
    if (release.size > 0) {
      await this.checkpoint(release);
      this.stats.released += release.size;
      this.logger.info({ partitions: [...release], live }, 'partitions released to other replicas');
    }
    const adopted: Array<AdoptedPartition<B>> = [];
    try {
      for (let partition = 0; partition < count; partition++) {
        if (held.has(partition) || ReplicaPartitions.ownerOf(partition, live) !== replica) continue;
        const taken = await this.repository.acquire<B>(partition);
        if (!taken) continue; // its holder releases it at its next heartbeat, or its lease expires
        this.adopting.push(partition);
        adopted.push({
          partition,
          // No checkpoint yet: from the start of the retained stream, as a new group with
          // STREAM_GROUP_START=0 (with '$': from here on).
          positions:
            taken.checkpoint?.positions ??
            (this.options.groupStart === '$' ? Object.fromEntries(this.state.lastSeen) : {}),
          checkpoint: taken.checkpoint,
        });
      }
      if (adopted.length === 0) return;
      await this.state.adopt(adopted, (stream, after, upTo) => this.readRange(stream, after, upTo));
    } finally {
      this.adopting = [];
    }
    this.stats.acquired += adopted.length;
    this.logger.info(
      {
        partitions: adopted.map((a) => a.partition),
        restored: adopted.filter((a) => a.checkpoint !== null).length,
        live,
      },
      'partitions taken over',
    );
  }

  /**
   * Captures the changed partitions (and those in `release`), waits until the outputs of their
   * events are in Redis, writes their checkpoints and counts in one script (only those whose lease
   * is still this process's), then acknowledges the entries they cover.
   */
  private async checkpoint(release: ReadonlySet<number>): Promise<void> {
    const started = performance.now();
    const { partitions, unacked } = await this.state.capture(release);
    if (partitions.length === 0 && unacked.size === 0) return;
    const now = Date.now();
    const captureMs = performance.now() - started;
    // One partition's encoding per turn of the event loop: the captured bodies are copies, and the
    // events arriving meanwhile wait for one encoding (about 1-3 ms for a partition of the flow
    // aggregator's) instead of all of them (8-11 ms in one block, once a second, in bench:e2e).
    let encodeMs = 0;
    let encodings = 0;
    const commits: PartitionCommit[] = [];
    for (const captured of partitions) {
      let checkpoint: Buffer | null = null;
      if (captured.changed || captured.release) {
        if (encodings++ > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        const from = performance.now();
        checkpoint = this.repository.encode(captured.partition, captured.positions, captured.body, now);
        encodeMs += performance.now() - from;
      }
      commits.push({
        partition: captured.partition,
        checkpoint,
        positions: captured.positions,
        counts: captured.counts,
        release: captured.release,
      });
    }
    const encoded = performance.now();
    let lost: number[];
    try {
      if (!(await this.state.outputsWritten(OUTPUTS_DEADLINE_MS)))
        throw new Error('outputs of the checkpointed events not in Redis yet');
      lost = await this.repository.commit(commits);
    } catch (error) {
      this.stats.checkpointFailures += 1;
      this.state.restoreCapture(partitions, unacked);
      this.logger.warn({ error: errorText(error) }, 'checkpoint not written; entries stay unacknowledged');
      this.options.onCheckpoint?.('failed');
      return;
    }
    if (lost.length > 0) {
      this.stats.lost += lost.length;
      this.state.lose(lost);
      this.logger.warn({ partitions: lost }, 'checkpoint refused: partition leases lost');
    }
    this.stats.checkpoints += 1;
    this.stats.lastCheckpoint = {
      at: now,
      partitions: commits.length,
      bytes: commits.reduce((sum, commit) => sum + (commit.checkpoint?.length ?? 0), 0),
      ms: round2(performance.now() - started),
      encodeMs: round2(captureMs + encodeMs),
      storeMs: round2(performance.now() - encoded),
    };
    this.options.onCheckpoint?.('written');
    for (const [stream, ids] of unacked) {
      if (ids.length === 0) continue;
      try {
        await this.acknowledger.ack(stream, ids);
      } catch (error) {
        this.state.requeueAcks(new Map([[stream, ids]]));
        this.logger.warn(
          { error: errorText(error), stream, entries: ids.length },
          'ack failed; retried after the next checkpoint',
        );
      }
    }
  }

  /** Creates this replica's groups if missing (at the oldest checkpointed position), and notes where they are. */
  private async prepareGroups(): Promise<void> {
    const oldest = await this.repository.oldestPositions();
    for (const definition of this.options.streams) {
      const start = oldest[definition.stream] ?? this.options.groupStart;
      try {
        await this.redis.xgroup('CREATE', definition.stream, this.partitions.group, start, 'MKSTREAM');
      } catch (error) {
        if (!errorText(error).includes('BUSYGROUP')) throw error;
      }
      const groups = (await this.redis.xinfo('GROUPS', definition.stream)) as unknown[][];
      const mine = groups.map(toRecord).find((group) => group['name'] === this.partitions.group);
      const position = mine ? String(mine['last-delivered-id']) : '0-0';
      if (position !== '0-0') this.state.lastSeen.set(definition.stream, position);
    }
  }

  /** Entries of `stream` after `after` (null: from the start) up to `upTo`, decoded and validated as the transport does. */
  private async readRange(
    stream: string,
    after: string | null,
    upTo: string,
  ): Promise<Array<[string, object[]]>> {
    const definition = this.definitions.get(stream)!;
    const validator = this.validators.get(stream)!;
    const out: Array<[string, object[]]> = [];
    let from = after === null ? '-' : `(${after}`;
    for (;;) {
      const entries = await this.redis.xrangeBuffer(stream, from, upTo, 'COUNT', CATCH_UP_CHUNK);
      for (const [rawId, fields] of entries) {
        const id = rawId.toString();
        try {
          const decoded = decodeEntry(fields);
          if (decoded.type !== definition.type || decoded.version !== definition.version) continue;
          out.push([id, (decoded.events as object[]).filter((event) => validator.check(event) === null)]);
        } catch {
          // undecodable: the transport dead-letters it, the handlers never see it
        }
      }
      this.stats.caughtUpEntries += entries.length;
      if (entries.length < CATCH_UP_CHUNK) break;
      from = `(${entries[entries.length - 1]![0].toString()}`;
    }
    return out;
  }

  /** Removes the consumer groups of replicas that are no longer live and whose consumers are idle past the lease. */
  private async removeGoneGroups(live: readonly number[]): Promise<void> {
    const { service } = this.partitions;
    for (const definition of this.options.streams) {
      const groups = ((await this.redis.xinfo('GROUPS', definition.stream)) as unknown[][]).map(toRecord);
      for (const group of groups) {
        const name = String(group['name']);
        const replica = ReplicaPartitions.replicaOfGroup(service, name);
        if (replica === null || live.includes(replica)) continue;
        const consumers = ((await this.redis.xinfo('CONSUMERS', definition.stream, name)) as unknown[][]).map(
          toRecord,
        );
        if (consumers.some((consumer) => Number(consumer['idle']) < this.options.leaseMs)) continue;
        await this.redis.xgroup('DESTROY', definition.stream, name);
        this.logger.info(
          { stream: definition.stream, group: name },
          'removed the consumer group of a replica that is gone',
        );
      }
    }
  }
}

function toRecord(fields: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[String(fields[i])] = fields[i + 1];
  return record;
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
