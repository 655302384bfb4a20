import { Packr } from 'msgpackr';
import type { RedisClient } from '@mdp/platform';
import { flowCheckpointKey } from './flow.keys';

/** Version of the checkpoint layout; a checkpoint of another version is refused, never guessed at. */
export const FLOW_CHECKPOINT_VERSION = 1;

/** What is stored: the shard it belongs to, the state, and the stream entries the state covers. */
export interface FlowCheckpoint<S> {
  version: number;
  shardIndex: number;
  shardCount: number;
  writtenAt: number;
  /** Per stream, ids of entries whose events are in `state` and that were not acknowledged when it was taken. */
  covered: Record<string, string[]>;
  state: S;
}

/** A stored checkpoint that does not belong to this process (other schema version or shard layout). */
export class FlowCheckpointMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowCheckpointMismatchError';
  }
}

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/**
 * The flow aggregator's checkpoint: one key per shard (flowCheckpointKey), MessagePack (numbers as
 * float64, exact). `encode` is synchronous, so the caller can take the state and the ids it covers in
 * one step; `store` writes the bytes; `read` decodes and checks that the checkpoint is this shard's.
 */
export class FlowCheckpointRepository {
  readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    readonly shardIndex: number,
    readonly shardCount: number,
  ) {
    this.key = flowCheckpointKey(shardIndex, shardCount);
  }

  encode<S>(state: S, covered: Record<string, string[]>, now: number): Buffer {
    const checkpoint: FlowCheckpoint<S> = {
      version: FLOW_CHECKPOINT_VERSION,
      shardIndex: this.shardIndex,
      shardCount: this.shardCount,
      writtenAt: now,
      covered,
      state,
    };
    return packr.pack(checkpoint);
  }

  async store(bytes: Buffer): Promise<void> {
    await this.redis.set(this.key, bytes);
  }

  /** The stored checkpoint, or null when there is none. Throws FlowCheckpointMismatchError when it is not this shard's. */
  async read<S>(): Promise<FlowCheckpoint<S> | null> {
    const bytes = await this.redis.getBuffer(this.key);
    if (!bytes) return null;
    const checkpoint = packr.unpack(bytes) as Partial<FlowCheckpoint<S>>;
    if (checkpoint.version !== FLOW_CHECKPOINT_VERSION) {
      throw new FlowCheckpointMismatchError(
        `${this.key} has checkpoint version ${String(checkpoint.version)}, this build reads version ${FLOW_CHECKPOINT_VERSION}; ` +
          'refusing to guess at its state (drain the old version first, or delete the key to start empty)',
      );
    }
    if (checkpoint.shardIndex !== this.shardIndex || checkpoint.shardCount !== this.shardCount) {
      throw new FlowCheckpointMismatchError(
        `${this.key} holds shard ${String(checkpoint.shardIndex)} of ${String(checkpoint.shardCount)}, ` +
          `this process is shard ${this.shardIndex} of ${this.shardCount}; refusing another shard layout's state`,
      );
    }
    return checkpoint as FlowCheckpoint<S>;
  }
}
