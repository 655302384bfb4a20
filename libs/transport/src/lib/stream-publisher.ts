import {
  MessageValidationError,
  MessageValidator,
  type MessageOf,
  type StreamDefinition,
} from '@mdp/schemas';
import { isCluster, type Logger, type RedisClient } from '@mdp/platform';
import { encodeEntry } from './stream-codec';
import { PublisherOverloadedError, errorText, isRetryableRedisError } from './transport-errors';

export interface StreamPublisherOptions {
  /** Most events packed into one stream entry (a batch frame). */
  maxEventsPerEntry?: number;
  /** How long the first buffered event waits for company before the buffer is sent (ms; 0, the default: after the current tick). */
  lingerMs?: number;
  /** Most events the publisher holds unsent before publish() rejects with PublisherOverloadedError. */
  maxBufferedEvents?: number;
  /** Backoff bounds while Redis refuses writes (OOM, connection loss), ms. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Validate every event against its class-validator rules before sending (default true). */
  validate?: boolean;
  logger?: Logger;
}

interface Pending {
  definition: StreamDefinition;
  events: unknown[];
  resolve: (ids: string[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Publishes validated events to streams. Calls made within `lingerMs` of each other are packed
 * into batch-frame entries and sent in one pipeline; each call's promise resolves with the entry
 * ids once Redis has acknowledged the XADDs, so "published" means "in Redis".
 *
 * When Redis refuses a write (OOM under maxmemory, connection loss) the publisher keeps the events
 * and retries with capped exponential backoff; it never drops them. A retried XADD can land twice
 * if the first reply was lost: consumers deduplicate by the events' natural ids.
 */
export class StreamPublisher {
  private readonly validators = new Map<StreamDefinition, MessageValidator<object>>();
  private queue: Pending[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  private readonly maxEventsPerEntry: number;
  private readonly lingerMs: number;
  private readonly maxBufferedEvents: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly validate: boolean;

  /** Totals since start, for metrics. */
  readonly stats = { eventsPublished: 0, entriesWritten: 0, writeRetries: 0, rejectedInvalid: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly options: StreamPublisherOptions = {},
  ) {
    this.maxEventsPerEntry = options.maxEventsPerEntry ?? 256;
    this.lingerMs = options.lingerMs ?? 0;
    this.maxBufferedEvents = options.maxBufferedEvents ?? 200_000;
    this.retryBaseMs = options.retryBaseMs ?? 50;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.validate = options.validate ?? true;
  }

  /** Publishes one event or many; rejects with MessageValidationError (nothing sent) if any is invalid. */
  publish<D extends StreamDefinition>(
    definition: D,
    events: MessageOf<D> | readonly MessageOf<D>[],
  ): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error('publisher is closed'));
    const list = (Array.isArray(events) ? events : [events]) as unknown[];
    if (list.length === 0) return Promise.resolve([]);
    if (this.validate) {
      const validator = this.validatorFor(definition);
      for (let i = 0; i < list.length; i++) {
        const reason = validator.check(list[i]);
        if (reason !== null) {
          this.stats.rejectedInvalid += 1;
          return Promise.reject(new MessageValidationError(definition.type, reason));
        }
      }
    }
    if (this.buffered + list.length > this.maxBufferedEvents) {
      return Promise.reject(new PublisherOverloadedError(this.buffered, this.maxBufferedEvents));
    }
    return new Promise<string[]>((resolve, reject) => {
      this.queue.push({ definition, events: list, resolve, reject });
      this.buffered += list.length;
      this.schedule();
    });
  }

  /** Sends everything buffered now and waits until Redis has it. */
  async flush(): Promise<void> {
    this.cancelTimer();
    while (this.queue.length > 0 || this.flushing) {
      if (this.flushing) await this.flushing;
      else await this.sendQueued();
    }
  }

  /** Flushes, then refuses further publishes. The Redis connection belongs to the caller. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  get bufferedEvents(): number {
    return this.buffered;
  }

  /** How many more events publish() takes now before it refuses with PublisherOverloadedError. */
  get headroom(): number {
    return Math.max(0, this.maxBufferedEvents - this.buffered);
  }

  private validatorFor(definition: StreamDefinition): MessageValidator<object> {
    let validator = this.validators.get(definition);
    if (!validator) {
      validator = new MessageValidator(definition.messageClass, definition.type);
      this.validators.set(definition, validator);
    }
    return validator;
  }

  private schedule(): void {
    if (this.flushing) return; // the running send picks the queue up when it finishes
    if (this.buffered >= this.maxEventsPerEntry * 8) {
      this.cancelTimer();
      void this.sendQueued();
      return;
    }
    if (this.timer) return;
    const fire = () => {
      this.timer = null;
      void this.sendQueued();
    };
    // lingerMs 0: send after the current tick, batching whatever it published.
    this.timer = this.lingerMs > 0 ? setTimeout(fire, this.lingerMs) : setImmediate(fire);
  }

  private cancelTimer(): void {
    if (!this.timer) return;
    if (this.lingerMs === 0) clearImmediate(this.timer as NodeJS.Immediate);
    else clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = null;
  }

  private sendQueued(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const run = this.send(batch)
      .catch((error: unknown) => {
        for (const item of batch) {
          this.buffered -= item.events.length;
          item.reject(error);
        }
      })
      .finally(() => {
        this.flushing = null;
        if (this.queue.length > 0) this.schedule();
      });
    this.flushing = run;
    return run;
  }

  private async send(batch: Pending[]): Promise<void> {
    // One entry per (stream, up to maxEventsPerEntry events); each call learns the ids of its entries.
    const byStream = new Map<StreamDefinition, Pending[]>();
    for (const item of batch) {
      const list = byStream.get(item.definition);
      if (list) list.push(item);
      else byStream.set(item.definition, [item]);
    }
    const entries: Array<{
      definition: StreamDefinition;
      events: unknown[];
      owners: Array<{ item: Pending }>;
    }> = [];
    for (const [definition, items] of byStream) {
      let current: (typeof entries)[number] | null = null;
      for (const item of items) {
        for (let start = 0; start < item.events.length;) {
          if (!current || current.events.length >= this.maxEventsPerEntry) {
            current = { definition, events: [], owners: [] };
            entries.push(current);
          }
          const take = Math.min(this.maxEventsPerEntry - current.events.length, item.events.length - start);
          for (let i = 0; i < take; i++) current.events.push(item.events[start + i]);
          if (current.owners[current.owners.length - 1]?.item !== item) current.owners.push({ item });
          start += take;
        }
      }
    }
    const ids = await this.writeWithRetry(entries);
    const idsByItem = new Map<Pending, string[]>();
    entries.forEach((entry, index) => {
      for (const { item } of entry.owners) {
        const list = idsByItem.get(item);
        if (list) list.push(ids[index]!);
        else idsByItem.set(item, [ids[index]!]);
      }
    });
    for (const item of batch) {
      this.buffered -= item.events.length;
      this.stats.eventsPublished += item.events.length;
      item.resolve(idsByItem.get(item) ?? []);
    }
    this.stats.entriesWritten += entries.length;
  }

  /**
   * One pipeline of XADDs; on a Redis Cluster one pipeline per stream, since a cluster pipeline
   * must stay within one hash slot. Results come back in the order of `entries`.
   */
  private async xaddAll(
    entries: Array<{ definition: StreamDefinition; events: unknown[] }>,
  ): Promise<Array<[Error | null, unknown]>> {
    const groups = new Map<string, number[]>();
    entries.forEach((entry, index) => {
      const key = isCluster(this.redis) ? entry.definition.stream : '';
      const group = groups.get(key);
      if (group) group.push(index);
      else groups.set(key, [index]);
    });
    const results = new Array<[Error | null, unknown]>(entries.length);
    await Promise.all(
      [...groups.values()].map(async (indexes) => {
        const pipeline = this.redis.pipeline();
        for (const index of indexes) {
          const entry = entries[index]!;
          pipeline.xadd(entry.definition.stream, '*', ...encodeEntry(entry.definition, entry.events));
        }
        let replies: Array<[Error | null, unknown]> | null;
        try {
          replies = await pipeline.exec();
        } catch (error) {
          replies = indexes.map(() => [error as Error, null]);
        }
        indexes.forEach((index, i) => (results[index] = replies?.[i] ?? [new Error('no reply'), null]));
      }),
    );
    return results;
  }

  private async writeWithRetry(
    entries: Array<{ definition: StreamDefinition; events: unknown[] }>,
  ): Promise<string[]> {
    let remaining = entries.map((entry, index) => ({
      definition: entry.definition,
      events: entry.events,
      index,
    }));
    const ids: string[] = new Array<string>(entries.length);
    let attempt = 0;
    for (;;) {
      const results = await this.xaddAll(remaining);
      const failed: typeof remaining = [];
      let lastError: Error = new Error('no reply');
      remaining.forEach((entry, i) => {
        const [error, id] = results[i] ?? [new Error('no reply'), null];
        if (error) {
          failed.push(entry);
          lastError = error;
        } else {
          ids[entry.index] = String(id);
        }
      });
      if (failed.length === 0) return ids;
      if (!isRetryableRedisError(lastError)) {
        // Not a condition that time fixes (a wrong key type, a script error): surface it.
        throw lastError;
      }
      attempt += 1;
      this.stats.writeRetries += 1;
      const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(attempt, 16));
      this.options.logger?.warn(
        { entries: failed.length, attempt, delayMs: delay, error: errorText(lastError) },
        'stream write refused, retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
      remaining = failed;
    }
  }
}
