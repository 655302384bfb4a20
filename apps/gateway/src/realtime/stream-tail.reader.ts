import { MessageValidator, type StreamDefinition } from '@mdp/schemas';
import { decodeEntry } from '@mdp/transport';
import type { Logger, RedisClient } from '@mdp/platform';

export interface StreamTailOptions {
  definition: StreamDefinition;
  /** Opens the reader's own connection (a blocking XREAD occupies it). */
  connect: () => RedisClient;
  blockMs: number;
  /** Called with the valid events of each entry read, in stream order. */
  onEvents: (events: readonly object[]) => void;
  /** Called when reading resumes after a failure: entries written meanwhile were not read. */
  onGap: (reason: string, fromMs: number, toMs: number) => void;
  logger: Logger;
}

type XreadReply = Array<[Buffer, Array<[Buffer, Buffer[] | null]>]> | null;

/**
 * Follows one stream from its end with plain XREAD (no consumer group: every gateway replica reads
 * every entry for its own clients), on a connection of its own, only while someone holds it
 * (`retain` / `release`). Entries are
 * decoded with the transport's codec and checked against the stream's schema. After a Redis failure
 * it retries with backoff, resumes from the stream's end at that moment, and reports the gap.
 */
export class StreamTail {
  private refs = 0;
  private loop: Promise<void> | null = null;
  private reader: RedisClient | null = null;
  private closed = false;
  private anchored: Promise<void> = Promise.resolve();
  private markAnchored: () => void = () => undefined;
  private readonly validator: MessageValidator<object>;

  /** Totals since start, for tests and logs. */
  readonly stats = { entries: 0, events: 0, invalid: 0, failures: 0 };

  constructor(private readonly options: StreamTailOptions) {
    this.validator = new MessageValidator(options.definition.messageClass, options.definition.type);
  }

  get stream(): string {
    return this.options.definition.stream;
  }

  get active(): boolean {
    return this.refs > 0;
  }

  /**
   * Starts following the stream if nobody did; resolves once reading starts from a known position
   * (entries added after that are delivered), or once the first attempt failed.
   */
  retain(): Promise<void> {
    this.refs += 1;
    if (!this.loop && !this.closed) {
      this.anchored = new Promise<void>((resolve) => (this.markAnchored = resolve));
      this.loop = this.run().finally(() => {
        this.loop = null;
        // Nobody follows the stream: its connection goes too (a new holder opens another).
        this.reader?.disconnect();
        this.reader = null;
        this.markAnchored();
        // A retain that came while the loop was finishing starts it again.
        if (this.refs > 0 && !this.closed) {
          this.refs -= 1;
          void this.retain();
        }
      });
    }
    return this.anchored;
  }

  /** Stops following once the last holder is gone (after the current BLOCK returns). */
  release(): void {
    if (this.refs > 0) this.refs -= 1;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.refs = 0;
    this.reader?.disconnect();
    await this.loop;
  }

  private connection(): RedisClient {
    if (!this.reader) {
      this.reader = this.options.connect();
      this.reader.on('error', (error: Error) =>
        this.options.logger.debug(
          { error: error.message, stream: this.stream },
          'stream reader connection error',
        ),
      );
    }
    return this.reader;
  }

  private async run(): Promise<void> {
    const { definition, blockMs, logger } = this.options;
    let lastId: string | null = null;
    let failedAt = 0;
    let delay = 100;
    while (!this.closed && this.refs > 0) {
      try {
        const reader = this.connection();
        if (lastId === null) {
          lastId = await this.endOf(reader);
          this.markAnchored();
          if (failedAt > 0) {
            const now = Date.now();
            logger.info(
              { stream: this.stream, downMs: now - failedAt },
              'stream readable again; resuming from its end',
            );
            this.options.onGap('Redis was unavailable: updates may have been missed', failedAt, now);
            failedAt = 0;
          }
        }
        const reply = (await reader.callBuffer(
          'XREAD',
          'COUNT',
          '256',
          'BLOCK',
          String(blockMs),
          'STREAMS',
          this.stream,
          lastId,
        )) as XreadReply;
        delay = 100;
        if (!reply) continue;
        for (const [, entries] of reply) {
          for (const [id, fields] of entries) {
            lastId = id.toString();
            if (fields) this.deliver(fields, lastId, definition);
          }
        }
      } catch (error) {
        if (this.closed) break;
        this.stats.failures += 1;
        if (failedAt === 0) {
          failedAt = Date.now();
          logger.warn(
            { stream: this.stream, error: error instanceof Error ? error.message : String(error) },
            'stream read failed; retrying',
          );
        }
        lastId = null;
        this.markAnchored();
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 2_000);
      }
    }
  }

  /** The id of the stream's last entry (`0-0` when it is empty or absent): reading resumes after it. */
  private async endOf(reader: RedisClient): Promise<string> {
    const last = await reader.xrevrange(this.stream, '+', '-', 'COUNT', 1);
    return last[0]?.[0] ?? '0-0';
  }

  private deliver(fields: Buffer[], id: string, definition: StreamDefinition): void {
    this.stats.entries += 1;
    let events: unknown[];
    try {
      const entry = decodeEntry(fields);
      if (entry.type !== definition.type || entry.version !== definition.version) {
        this.stats.invalid += 1;
        return;
      }
      events = entry.events;
    } catch (error) {
      this.stats.invalid += 1;
      this.options.logger.debug(
        { stream: this.stream, id, error: error instanceof Error ? error.message : String(error) },
        'undecodable stream entry skipped',
      );
      return;
    }
    const valid: object[] = [];
    for (const event of events) {
      if (this.validator.check(event) === null) valid.push(event as object);
      else this.stats.invalid += 1;
    }
    this.stats.events += valid.length;
    if (valid.length > 0) this.options.onEvents(valid);
  }
}
