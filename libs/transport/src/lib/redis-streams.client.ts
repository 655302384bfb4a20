import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { MessageOf, StreamDefinition } from '@mdp/schemas';
import type { StreamPublisher } from './stream-publisher';

/**
 * The Nest client for Redis Streams: `client.emit(TradeStream.stream, trade)` publishes through the
 * StreamPublisher (validated, batched, acknowledged by Redis before the observable completes).
 * Streams are one-way, so `send` (request-response) is refused. Code that does not need the Nest
 * client interface can call `publish(definition, events)` with full typing.
 */
export class RedisStreamsClient extends ClientProxy {
  private readonly definitions: Map<string, StreamDefinition>;

  constructor(
    private readonly publisher: StreamPublisher,
    definitions: readonly StreamDefinition[],
  ) {
    super();
    this.definitions = new Map(definitions.map((definition) => [definition.stream, definition]));
  }

  publish<D extends StreamDefinition>(
    definition: D,
    events: MessageOf<D> | readonly MessageOf<D>[],
  ): Promise<string[]>;
  publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void;
  publish(first: unknown, second: unknown): unknown {
    if (typeof second === 'function') {
      (second as (packet: WritePacket) => void)({
        err: new Error('Redis Streams are one-way: use emit(), not send()'),
        isDisposed: true,
      });
      return () => undefined;
    }
    return this.publisher.publish(first as StreamDefinition, second as object);
  }

  async connect(): Promise<void> {
    // The publisher's connection is opened by whoever created it.
  }

  async close(): Promise<void> {
    await this.publisher.flush();
  }

  unwrap<T>(): T {
    return this.publisher as T;
  }

  protected async dispatchEvent<T = string[]>(packet: ReadPacket): Promise<T> {
    const pattern = typeof packet.pattern === 'string' ? packet.pattern : JSON.stringify(packet.pattern);
    const definition = this.definitions.get(pattern);
    if (!definition) throw new Error(`no stream definition registered for ${pattern}`);
    return (await this.publisher.publish(definition, packet.data as object)) as T;
  }
}
