import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CustomTransportStrategy, Server, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { MessageValidator, type StreamDefinition } from '@mdp/schemas';
import { duplicateConnection, isCluster, type Logger, type RedisClient } from '@mdp/platform';
import { decodeEntry, packEvent } from './stream-codec';
import { StreamContext } from './stream-context';
import { STREAM_HANDLER_EXTRAS, type StreamHandlerExtras } from './stream-handler.decorator';
import { StreamTrimmer } from './stream-trimmer';
import {
  TransientError,
  errorText,
  isErrorLike,
  isNoGroupError,
  isRetryableRedisError,
} from './transport-errors';

export interface RedisStreamsServerOptions {
  /** Connection for acks, claims, dead letters and trimming; each stream's blocking reader gets a duplicate. */
  redis: RedisClient;
  /** Consumer group: one per service; replicas of the service share it and split the work. */
  group: string;
  /** Consumer name, unique per process (default: host-pid-random). */
  consumer?: string;
  /** Most entries per XREADGROUP (COUNT). */
  readCount?: number;
  /** XREADGROUP BLOCK in ms; bounds how long shutdown waits when the reader cannot be unblocked. */
  blockMs?: number;
  /** A pending entry idle this long (ms) is claimed from its consumer (XAUTOCLAIM): it is presumed dead. */
  claimIdleMs?: number;
  /** How often each stream looks for idle pending entries (ms). */
  claimIntervalMs?: number;
  /** Handler attempts per message before it is dead-lettered (transient errors do not count). */
  maxAttempts?: number;
  /** First retry delay after a handler failure (ms), doubled on each further attempt. */
  retryBackoffMs?: number;
  /** An entry delivered more often than this (its consumers keep dying on it) is dead-lettered unprocessed. */
  maxDeliveries?: number;
  /** Stream bound in entries; trimming never removes an entry some group has not acknowledged. 0 = no trimming. */
  maxLen?: number;
  /** Dead-letter stream bound in entries (approximate MAXLEN on each dead-letter write). */
  deadLetterMaxLen?: number;
  /** How often the trimmer runs (ms). */
  trimIntervalMs?: number;
  /** Where a new group starts: `0` (all retained entries, the default) or `$` (only new ones). */
  startId?: string;
  /**
   * The group has one consumer by design (e.g. one per shard, every replica reading every event):
   * at start the consumer first claims and handles every entry its dead predecessor left pending
   * (XAUTOCLAIM, min idle 0), in stream order, before it reads new ones; and there is no periodic
   * claim (no other live consumer to take entries from), so entries of `ack: 'deferred'` handlers
   * wait for the application's acknowledgement undisturbed.
   */
  singleConsumer?: boolean;
  /**
   * In a group of several consumers: the longest time (ms) the application takes to acknowledge
   * the entries of its `ack: 'deferred'` handlers. It must be below claimIdleMs, or the periodic
   * claim would take the process's own deferred entries and handle them twice; checked at start.
   */
  deferredAckMs?: number;
  logger?: Logger;
}

interface Route {
  definition: StreamDefinition;
  batch: boolean;
  /** `ack: 'deferred'`: the application acknowledges the entries, not the transport. */
  deferred: boolean;
  handler: MessageHandler;
  validator: MessageValidator<object>;
}

interface Subscription {
  stream: string;
  deadLetterStream: string;
  routes: Map<string, Route>;
  reader: RedisClient | null;
  readerId: number | null;
  loop: Promise<void> | null;
  /** The acknowledgement of the previous batch, sent while the next batch is read. */
  committing: Promise<void>;
  commitError: unknown;
}

interface RawEntry {
  id: string;
  fields: Buffer[] | null;
  deliveries: number;
}

/** The valid events of one entry, bound for one route. */
interface WorkItem {
  route: Route;
  entry: RawEntry;
  events: object[];
}

interface Failure {
  entry: RawEntry;
  event: object;
  error: string;
  attempts: number;
}

/** Counters since start, per server. */
export interface StreamServerStats {
  entriesRead: number;
  eventsHandled: number;
  deadLettered: number;
  entriesClaimed: number;
  handlerRetries: number;
  transientWaits: number;
  groupsRecreated: number;
  readErrors: number;
}

class ShutdownDuringRetry extends Error {}

/**
 * Acks the entries without dead letters; for each entry with dead letters, writes them and acks it
 * only if it is still pending to this consumer. An entry of an `ack: 'deferred'` handler (ack flag
 * 0) is not acknowledged here, the application does that, so it may be delivered again after a
 * crash: its dead letters are written only the first time (member `<group> <id>` of the sorted set
 * KEYS[3], kept 7 days). KEYS: stream, dead-letter stream, written set. ARGV: group, consumer,
 * dead-letter maxlen, n plain acks, ids..., n entries, then per entry: id, ack flag, n letters,
 * then per letter: n fields, fields...
 */
const DEAD_LETTER_OWNED = `
local stream, dlq, written_set = KEYS[1], KEYS[2], KEYS[3]
local group, consumer, maxlen = ARGV[1], ARGV[2], ARGV[3]
local i = 4
local acks = {}
local nPlain = tonumber(ARGV[i]); i = i + 1
for _ = 1, nPlain do acks[#acks + 1] = ARGV[i]; i = i + 1 end
local written = 0
local now = nil
local nEntries = tonumber(ARGV[i]); i = i + 1
for _ = 1, nEntries do
  local id, ack, nLetters = ARGV[i], ARGV[i + 1] == '1', tonumber(ARGV[i + 2]); i = i + 3
  local pending = redis.call('XPENDING', stream, group, id, id, 1)
  local write = pending[1] ~= nil and pending[1][2] == consumer
  if write and not ack then
    if now == nil then
      local t = redis.call('TIME')
      now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      redis.call('ZREMRANGEBYSCORE', written_set, '-inf', now - 604800000)
    end
    write = redis.call('ZADD', written_set, 'NX', now, group .. ' ' .. id) == 1
  end
  for _ = 1, nLetters do
    local nFields = tonumber(ARGV[i]); i = i + 1
    if write then
      local command = { 'XADD', dlq, 'MAXLEN', '~', maxlen, '*' }
      for f = 0, nFields - 1 do command[#command + 1] = ARGV[i + f] end
      redis.call(unpack(command))
      written = written + 1
    end
    i = i + nFields
  end
  if ack and pending[1] ~= nil and pending[1][2] == consumer then acks[#acks + 1] = id end
end
if #acks > 0 then redis.call('XACK', stream, group, unpack(acks)) end
return written
`;

const routeKey = (type: string, version: number) => `${type}@${version}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A NestJS transport strategy over Redis Streams consumer groups.
 *
 * Delivery is at-least-once: an entry is acknowledged only after every event in it was handled or
 * dead-lettered, and the dead-letter write and the XACK go together in one MULTI. Entries left
 * pending by a consumer that died are claimed by a live one after `claimIdleMs`. A handler error
 * is retried `maxAttempts` times, then the event goes to `<stream>:dlq` with the error and the
 * payload; a TransientError (or a Redis connection error) is retried until it succeeds, holding
 * the stream, so an outage downstream stops consumption instead of losing data.
 */
export class RedisStreamsServer extends Server implements CustomTransportStrategy {
  readonly consumer: string;
  readonly stats: StreamServerStats = {
    entriesRead: 0,
    eventsHandled: 0,
    deadLettered: 0,
    entriesClaimed: 0,
    handlerRetries: 0,
    transientWaits: 0,
    groupsRecreated: 0,
    readErrors: 0,
  };
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly trimmer: StreamTrimmer;
  private stopping = false;
  private readonly opts: Required<Omit<RedisStreamsServerOptions, 'logger' | 'consumer' | 'deferredAckMs'>>;
  private readonly deferredAckMs: number | undefined;
  private readonly log: Logger | undefined;

  constructor(options: RedisStreamsServerOptions) {
    super();
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.log = options.logger?.child({ group: options.group, consumer: this.consumer });
    this.opts = {
      redis: options.redis,
      group: options.group,
      readCount: options.readCount ?? 64,
      blockMs: options.blockMs ?? 2_000,
      claimIdleMs: options.claimIdleMs ?? 30_000,
      claimIntervalMs: options.claimIntervalMs ?? 5_000,
      maxAttempts: options.maxAttempts ?? 3,
      retryBackoffMs: options.retryBackoffMs ?? 20,
      maxDeliveries: options.maxDeliveries ?? 5,
      maxLen: options.maxLen ?? 100_000,
      deadLetterMaxLen: options.deadLetterMaxLen ?? 1_000_000,
      trimIntervalMs: options.trimIntervalMs ?? 1_000,
      startId: options.startId ?? '0',
      singleConsumer: options.singleConsumer ?? false,
    };
    this.deferredAckMs = options.deferredAckMs;
    this.trimmer = new StreamTrimmer(options.redis, { maxLen: this.opts.maxLen, logger: this.log });
  }

  /** Called by Nest once handlers are registered: creates groups and starts one reader per stream. */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.messageHandlers) {
        const extras = handler.extras?.[STREAM_HANDLER_EXTRAS] as StreamHandlerExtras | undefined;
        if (!extras) continue;
        if (handler.next)
          throw new Error(`stream ${pattern} has more than one handler in group ${this.opts.group}`);
        const { definition } = extras;
        let subscription = this.subscriptions.get(definition.stream);
        if (!subscription) {
          subscription = {
            stream: definition.stream,
            deadLetterStream: definition.deadLetterStream,
            routes: new Map(),
            reader: null,
            readerId: null,
            loop: null,
            committing: Promise.resolve(),
            commitError: null,
          };
          this.subscriptions.set(definition.stream, subscription);
        }
        subscription.routes.set(routeKey(definition.type, definition.version), {
          definition,
          batch: extras.batch,
          deferred: extras.deferred,
          handler,
          validator: new MessageValidator(definition.messageClass, definition.type),
        });
      }
      this.checkDeferredAcks();
      for (const subscription of this.subscriptions.values()) {
        await this.ensureGroup(subscription.stream, this.opts.startId);
        subscription.reader = duplicateConnection(this.opts.redis);
        if (!isCluster(subscription.reader)) {
          subscription.readerId = Number(await subscription.reader.client('ID'));
        }
        subscription.loop = this.run(subscription);
      }
      if (this.opts.maxLen > 0) this.trimmer.start([...this.subscriptions.keys()], this.opts.trimIntervalMs);
      this.log?.info({ streams: [...this.subscriptions.keys()] }, 'stream consumer started');
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /**
   * Graceful stop: no new reads; the batch in hand is finished and acknowledged; readers close.
   * Nothing handled is left unacknowledged.
   */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.trimmer.stop();
    await Promise.all(
      [...this.subscriptions.values()].map(async (subscription) => {
        if (subscription.readerId !== null) {
          await this.opts.redis
            .call('CLIENT', 'UNBLOCK', String(subscription.readerId))
            .catch(() => undefined);
        }
        await subscription.loop;
        subscription.reader?.disconnect();
      }),
    );
    this.log?.info(this.stats, 'stream consumer stopped');
  }

  on(): never {
    throw new Error('RedisStreamsServer does not emit events; read its stats or logs');
  }

  unwrap<T>(): T {
    return this.opts.redis as T;
  }

  get group(): string {
    return this.opts.group;
  }

  /** The streams this server consumes. */
  get streams(): string[] {
    return [...this.subscriptions.keys()];
  }

  /** Deferred acknowledgement needs entries the periodic claim cannot take back (see the options). */
  private checkDeferredAcks(): void {
    if (this.opts.singleConsumer) return;
    for (const subscription of this.subscriptions.values()) {
      for (const route of subscription.routes.values()) {
        if (!route.deferred) continue;
        if (this.deferredAckMs === undefined || this.deferredAckMs >= this.opts.claimIdleMs) {
          throw new Error(
            `stream ${subscription.stream}: the ${route.definition.type} handler acknowledges late ('deferred') ` +
              `in group ${this.opts.group}, which has several consumers: the claim idle time ` +
              `(claimIdleMs, STREAM_CLAIM_IDLE_MS = ${this.opts.claimIdleMs} ms) must exceed the longest time the ` +
              `application takes to acknowledge (deferredAckMs = ${this.deferredAckMs ?? 'not set'} ms), or the ` +
              `process would claim its own unacknowledged entries and handle them twice; ` +
              `or run the group with singleConsumer: true`,
          );
        }
      }
    }
  }

  private async ensureGroup(stream: string, startId: string): Promise<void> {
    try {
      await this.opts.redis.xgroup('CREATE', stream, this.opts.group, startId, 'MKSTREAM');
    } catch (error) {
      if (!(isErrorLike(error) && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  private async run(subscription: Subscription): Promise<void> {
    let nextClaimAt = 0;
    let errorDelay = 100;
    // A single-consumer group: what the dead predecessor left pending comes first, then new entries.
    let recovering = this.opts.singleConsumer;
    while (!this.stopping) {
      try {
        if (recovering) {
          await this.claimIdle(subscription, 0);
          await this.committed(subscription);
          recovering = false;
        } else if (!this.opts.singleConsumer && Date.now() >= nextClaimAt) {
          nextClaimAt = Date.now() + this.opts.claimIntervalMs;
          await this.claimIdle(subscription);
        }
        const entries = await this.read(subscription);
        await this.committed(subscription);
        if (entries.length > 0) await this.process(subscription, entries);
        errorDelay = 100;
      } catch (error) {
        if (error instanceof ShutdownDuringRetry) break;
        if (isNoGroupError(error)) {
          // Redis lost the group (restart without persistence, FLUSHALL): recreate it and go on.
          this.stats.groupsRecreated += 1;
          this.log?.warn(
            { stream: subscription.stream },
            'consumer group missing, Redis lost its data; recreating it',
          );
          await this.ensureGroup(subscription.stream, '0').catch(() => undefined);
          continue;
        }
        if (this.stopping) break;
        this.stats.readErrors += 1;
        this.log?.error(
          { stream: subscription.stream, error: errorText(error), delayMs: errorDelay },
          'stream read failed',
        );
        await sleep(errorDelay);
        errorDelay = Math.min(errorDelay * 2, 5_000);
      }
    }
    // Whatever was handled is acknowledged before the reader closes.
    await subscription.committing;
  }

  private async read(subscription: Subscription): Promise<RawEntry[]> {
    const reply = (await subscription.reader!.callBuffer(
      'XREADGROUP',
      'GROUP',
      this.opts.group,
      this.consumer,
      'COUNT',
      String(this.opts.readCount),
      'BLOCK',
      String(this.opts.blockMs),
      'STREAMS',
      subscription.stream,
      '>',
    )) as Array<[Buffer, Array<[Buffer, Buffer[] | null]>]> | null;
    if (!reply) return [];
    const entries: RawEntry[] = [];
    for (const [, streamEntries] of reply) {
      for (const [id, fields] of streamEntries) entries.push({ id: id.toString(), fields, deliveries: 1 });
    }
    this.stats.entriesRead += entries.length;
    return entries;
  }

  /**
   * Takes over entries whose consumer has held them longer than `minIdleMs` (claimIdleMs), and
   * handles them. With min idle 0 (start-up recovery of a single-consumer group) it goes through
   * the whole pending list.
   */
  private async claimIdle(subscription: Subscription, minIdleMs = this.opts.claimIdleMs): Promise<void> {
    let cursor = '0-0';
    const rounds = minIdleMs === 0 ? Infinity : 100;
    for (let round = 0; round < rounds && !this.stopping; round++) {
      const reply = (await this.opts.redis.callBuffer(
        'XAUTOCLAIM',
        subscription.stream,
        this.opts.group,
        this.consumer,
        String(minIdleMs),
        cursor,
        'COUNT',
        String(this.opts.readCount),
      )) as [Buffer, Array<[Buffer, Buffer[] | null]>, Buffer[]?];
      cursor = reply[0].toString();
      const claimed = reply[1].filter((entry) => entry !== null);
      const deleted = reply[2] ?? [];
      if (deleted.length > 0) {
        this.log?.warn(
          { stream: subscription.stream, ids: deleted.map((id) => id.toString()) },
          'pending entries were deleted from the stream before they were handled',
        );
      }
      if (claimed.length > 0) {
        const deliveries = await this.deliveryCounts(
          subscription.stream,
          claimed.map(([id]) => id.toString()),
        );
        const entries = claimed.map(([id, fields]) => ({
          id: id.toString(),
          fields,
          deliveries: deliveries.get(id.toString()) ?? 1,
        }));
        this.stats.entriesClaimed += entries.length;
        this.log?.info(
          { stream: subscription.stream, count: entries.length, recovery: minIdleMs === 0 },
          minIdleMs === 0
            ? 'claimed entries left pending by a previous consumer'
            : 'claimed idle pending entries',
        );
        await this.process(subscription, entries);
      }
      if (cursor === '0-0') return;
    }
  }

  private async deliveryCounts(stream: string, ids: string[]): Promise<Map<string, number>> {
    const rows = (await this.opts.redis.xpending(
      stream,
      this.opts.group,
      ids[0]!,
      ids[ids.length - 1]!,
      ids.length * 2,
    )) as Array<[string, string, number, number]>;
    return new Map(rows.map(([id, , , count]) => [id, Number(count)]));
  }

  private async process(subscription: Subscription, entries: RawEntry[]): Promise<void> {
    const deadLetters: Array<Array<string | Buffer>> = [];
    const acks: string[] = [];
    const work: WorkItem[] = [];
    /** Entries of deferred handlers -> their valid events: the application acknowledges these. */
    const deferredValid = new Map<string, number>();
    const deadLetter = (entry: RawEntry, reason: string, payload: Buffer, type = '', attempts = 0) => {
      deadLetters.push([
        'stream',
        subscription.stream,
        'group',
        this.opts.group,
        'entry',
        entry.id,
        'type',
        type,
        'error',
        reason,
        'attempts',
        String(attempts),
        'deliveries',
        String(entry.deliveries),
        'at',
        String(Date.now()),
        'p',
        payload,
      ]);
      this.log?.warn(
        { stream: subscription.stream, entry: entry.id, type, error: reason },
        'message dead-lettered',
      );
    };

    for (const entry of entries) {
      acks.push(entry.id);
      if (!entry.fields) continue; // deleted while pending: nothing left to handle
      const rawPayload = payloadField(entry.fields);
      if (entry.deliveries > this.opts.maxDeliveries) {
        deadLetter(
          entry,
          `delivered ${entry.deliveries} times without being acknowledged (consumers died handling it)`,
          rawPayload,
        );
        continue;
      }
      let decoded;
      try {
        decoded = decodeEntry(entry.fields);
      } catch (error) {
        deadLetter(entry, `undecodable entry: ${(error as Error).message}`, rawPayload);
        continue;
      }
      const route = subscription.routes.get(routeKey(decoded.type, decoded.version));
      if (!route) {
        deadLetter(
          entry,
          `no handler for ${decoded.type} v${decoded.version} in group ${this.opts.group}`,
          rawPayload,
          decoded.type,
        );
        continue;
      }
      const valid: object[] = [];
      const events = decoded.events as object[];
      for (let i = 0; i < events.length; i++) {
        const reason = route.validator.check(events[i]);
        if (reason === null) valid.push(events[i]!);
        else deadLetter(entry, `schema validation failed: ${reason}`, packEvent(events[i]), decoded.type);
      }
      if (valid.length > 0) {
        work.push({ route, entry, events: valid });
        // The application acknowledges it, also when some of its events are dead-lettered here.
        if (route.deferred) {
          acks.pop();
          deferredValid.set(entry.id, valid.length);
        }
      }
    }

    // Handle in stream order; consecutive entries of one batch route form one call.
    for (let start = 0; start < work.length;) {
      const route = work[start]!.route;
      let end = start + 1;
      if (route.batch) while (end < work.length && work[end]!.route === route) end++;
      const items = work.slice(start, end);
      const failures = route.batch
        ? await this.handleBatch(subscription, route, items)
        : await this.handleSingles(subscription, route, items);
      for (const failure of failures) {
        // A deferred entry whose every valid event failed was never handled: nobody else acks it.
        const left = deferredValid.get(failure.entry.id);
        if (left !== undefined) {
          if (left <= 1) {
            deferredValid.delete(failure.entry.id);
            acks.push(failure.entry.id);
          } else deferredValid.set(failure.entry.id, left - 1);
        }
        deadLetter(
          failure.entry,
          failure.error,
          packEvent(failure.event),
          route.definition.type,
          failure.attempts,
        );
      }
      this.stats.eventsHandled += countEvents(items) - failures.length;
      start = end;
    }

    // The acknowledgement goes out while the next batch is read; the loop waits for it before
    // handling that batch, so at most one is outstanding and it is never overtaken.
    subscription.committing = subscription.committing
      .then(() => this.commit(subscription, acks, deadLetters, deferredValid))
      .catch((error: unknown) => {
        subscription.commitError = error;
      });
  }

  /** Waits for the previous batch's acknowledgement; rethrows what it failed with (NOGROUP). */
  private async committed(subscription: Subscription): Promise<void> {
    await subscription.committing;
    const error = subscription.commitError;
    subscription.commitError = null;
    if (error) throw isErrorLike(error) ? error : new Error(errorText(error));
  }

  /**
   * The batch's acks (one XACK), or its dead letters and acks together atomically (same hash slot),
   * retried through connection loss; a batch with neither sends nothing.
   * With dead letters, a script writes an entry's dead letters and acks it only while this consumer
   * still owns it: an entry another consumer claimed meanwhile (it took longer than claimIdleMs) is
   * left to that consumer, and one already acknowledged is skipped, so each is dead-lettered once.
   */
  private async commit(
    subscription: Subscription,
    acks: string[],
    deadLetters: Array<Array<string | Buffer>>,
    deferred: ReadonlyMap<string, number>,
  ): Promise<void> {
    let delay = 50;
    for (;;) {
      try {
        if (deadLetters.length > 0) {
          this.stats.deadLettered += await this.commitOwned(subscription, acks, deadLetters, deferred);
          return;
        }
        // Nothing to acknowledge (a handler that acknowledges after its own checkpoint): no round trip.
        if (acks.length > 0) await this.opts.redis.xack(subscription.stream, this.opts.group, ...acks);
        return;
      } catch (error) {
        if (isNoGroupError(error)) throw error;
        if (!isRetryableRedisError(error) || this.stopping) {
          // The entries stay pending and will be handled again (handlers are idempotent).
          this.log?.error(
            { stream: subscription.stream, error: errorText(error) },
            'ack failed; entries stay pending',
          );
          return;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /** The script of commit(): returns how many dead letters it wrote. */
  private async commitOwned(
    subscription: Subscription,
    acks: string[],
    deadLetters: Array<Array<string | Buffer>>,
    deferred: ReadonlyMap<string, number>,
  ): Promise<number> {
    const byEntry = new Map<string, Array<Array<string | Buffer>>>();
    for (const fields of deadLetters) {
      const entry = String(fields[fields.indexOf('entry') + 1]);
      const list = byEntry.get(entry);
      if (list) list.push(fields);
      else byEntry.set(entry, [fields]);
    }
    const plain = acks.filter((id) => !byEntry.has(id));
    const args: Array<string | Buffer | number> = [
      this.opts.group,
      this.consumer,
      this.opts.deadLetterMaxLen,
      plain.length,
      ...plain,
      byEntry.size,
    ];
    for (const [entry, letters] of byEntry) {
      args.push(entry, deferred.has(entry) ? '0' : '1', letters.length);
      for (const fields of letters) args.push(fields.length, ...fields);
    }
    const written = await this.opts.redis.eval(
      DEAD_LETTER_OWNED,
      3,
      subscription.stream,
      subscription.deadLetterStream,
      `${subscription.deadLetterStream}:written`,
      ...args,
    );
    const skipped = deadLetters.length - Number(written);
    if (skipped > 0) {
      this.log?.warn(
        { stream: subscription.stream, skipped },
        'dead letters not written: another consumer claimed their entries meanwhile, or (an entry the application acknowledges, delivered again) they were written before',
      );
    }
    return Number(written);
  }

  /** The delivery of `entries`, which carried `eventCounts[i]` of the payload's events each. */
  private context(subscription: Subscription, entries: RawEntry[], eventCounts: number[]): StreamContext {
    let deliveries = 1;
    const entryIds = new Array<string>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      entryIds[i] = entry.id;
      if (entry.deliveries > deliveries) deliveries = entry.deliveries;
    }
    return new StreamContext([
      {
        stream: subscription.stream,
        group: this.opts.group,
        consumer: this.consumer,
        entryIds,
        eventCounts,
        deliveries,
      },
    ]);
  }

  private async invoke(route: Route, payload: unknown, context: StreamContext): Promise<void> {
    const result: unknown = await route.handler(payload, context);
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  /**
   * Runs `call` until it succeeds, a non-transient error has happened maxAttempts times (returned),
   * or the server stops during a transient outage (ShutdownDuringRetry: nothing is acked).
   */
  private async attempt(
    call: () => Promise<void>,
    maxAttempts: number,
  ): Promise<{ error: string; attempts: number } | null> {
    let attempts = 0;
    let transientDelay = 50;
    for (;;) {
      try {
        await call();
        return null;
      } catch (error) {
        if (
          error instanceof TransientError ||
          (isErrorLike(error) && error.name === 'TransientError') ||
          isRetryableRedisError(error)
        ) {
          if (this.stopping) throw new ShutdownDuringRetry();
          this.stats.transientWaits += 1;
          if (transientDelay >= 1_600 || this.stats.transientWaits % 20 === 1) {
            this.log?.warn(
              { error: errorText(error), delayMs: transientDelay },
              'handler hit a transient failure; holding the stream',
            );
          }
          await sleep(transientDelay);
          transientDelay = Math.min(transientDelay * 2, 5_000);
          continue;
        }
        attempts += 1;
        if (attempts >= maxAttempts) return { error: errorText(error), attempts };
        this.stats.handlerRetries += 1;
        await sleep(this.opts.retryBackoffMs * 2 ** (attempts - 1));
      }
    }
  }

  /** Per-event routes: one call per event, in order. */
  private async handleSingles(
    subscription: Subscription,
    route: Route,
    items: WorkItem[],
  ): Promise<Failure[]> {
    const failures: Failure[] = [];
    for (const { entry, events } of items) {
      const context = this.context(subscription, [entry], [1]);
      for (const event of events) {
        const failure = await this.attempt(() => this.invoke(route, event, context), this.opts.maxAttempts);
        if (failure) failures.push({ entry, event, ...failure });
      }
    }
    return failures;
  }

  /**
   * A batch that keeps failing is split in halves, each half handled once and split again while it
   * fails, down to single events: only the bad ones are dead-lettered, and a few bad events in a
   * large batch cost a few calls per bad event (O(bad x log size)) rather than one call per event.
   */
  private async handleBatch(subscription: Subscription, route: Route, items: WorkItem[]): Promise<Failure[]> {
    const events = items.length === 1 ? items[0]!.events : items.flatMap((item) => item.events);
    const single = events.length === 1;
    const failure = await this.attempt(
      () =>
        this.invoke(
          route,
          events,
          this.context(
            subscription,
            items.map((item) => item.entry),
            items.map((item) => item.events.length),
          ),
        ),
      single ? this.opts.maxAttempts : Math.max(1, this.opts.maxAttempts - 1),
    );
    if (!failure) return [];
    if (single) return [{ entry: items[0]!.entry, event: events[0]!, ...failure }];
    this.log?.warn(
      { stream: subscription.stream, size: events.length, error: failure.error },
      'batch failed; splitting it to find the failing events',
    );
    const tagged: Array<{ entry: RawEntry; event: object }> = [];
    for (const { entry, events: entryEvents } of items)
      for (const event of entryEvents) tagged.push({ entry, event });
    const failures: Failure[] = [];
    const bisect = async (part: Array<{ entry: RawEntry; event: object }>): Promise<void> => {
      // Events of one entry are adjacent: entries in order, with how many of each this part holds.
      const entries: RawEntry[] = [];
      const counts: number[] = [];
      for (const item of part) {
        if (entries[entries.length - 1] === item.entry) counts[counts.length - 1]! += 1;
        else {
          entries.push(item.entry);
          counts.push(1);
        }
      }
      const again = await this.attempt(
        () =>
          this.invoke(
            route,
            part.map((item) => item.event),
            this.context(subscription, entries, counts),
          ),
        1,
      );
      if (!again) return;
      if (part.length === 1) {
        failures.push({
          entry: part[0]!.entry,
          event: part[0]!.event,
          error: again.error,
          attempts: failure.attempts + again.attempts,
        });
        return;
      }
      const middle = Math.ceil(part.length / 2);
      await bisect(part.slice(0, middle));
      await bisect(part.slice(middle));
    };
    const middle = Math.ceil(tagged.length / 2);
    await bisect(tagged.slice(0, middle));
    await bisect(tagged.slice(middle));
    return failures;
  }
}

function countEvents(items: WorkItem[]): number {
  let count = 0;
  for (const item of items) count += item.events.length;
  return count;
}

function payloadField(fields: Buffer[]): Buffer {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i]!.toString() === 'p') return fields[i + 1]!;
  }
  return Buffer.from(JSON.stringify(fields.map((field) => field.toString('base64'))));
}
