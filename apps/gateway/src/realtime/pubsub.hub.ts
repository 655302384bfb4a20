import type { OnApplicationShutdown } from '@nestjs/common';
import type { Logger, RedisClient } from '@mdp/platform';

export type MessageHandler = (channel: string, message: string) => void;

/**
 * One subscriber connection shared by everything in the gateway that listens to Redis pub/sub
 * (WebSocket fan-out, API-key revocations). Channels and patterns are reference-counted: Redis is
 * subscribed on the first handler and unsubscribed after the last one goes. ioredis resubscribes by
 * itself after a reconnect.
 */
export class PubSubHub implements OnApplicationShutdown {
  private readonly channels = new Map<string, Set<MessageHandler>>();
  private readonly patterns = new Map<string, Set<MessageHandler>>();
  private readonly reconnectListeners = new Set<() => void>();
  private wasReady = false;
  private lost = false;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string, message: string) =>
      this.dispatch(this.channels.get(channel), channel, message),
    );
    subscriber.on('pmessage', (pattern: string, channel: string, message: string) =>
      this.dispatch(this.patterns.get(pattern), channel, message),
    );
    // Messages published while the connection was down are lost: tell whoever asked.
    this.wasReady = subscriber.status === 'ready';
    subscriber.on('close', () => {
      if (this.wasReady) this.lost = true;
    });
    subscriber.on('ready', () => {
      this.wasReady = true;
      if (!this.lost) return;
      this.lost = false;
      for (const listener of this.reconnectListeners) listener();
    });
  }

  /** Calls `listener` each time the subscriber connection is back after a loss; returns the function that stops it. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Calls `handler` for every message on `channel`; returns the function that stops it. */
  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    return this.add(this.channels, channel, handler, false);
  }

  /** Calls `handler` for every message on a channel matching the glob `pattern`. */
  async psubscribe(pattern: string, handler: MessageHandler): Promise<() => Promise<void>> {
    return this.add(this.patterns, pattern, handler, true);
  }

  private async add(
    registry: Map<string, Set<MessageHandler>>,
    name: string,
    handler: MessageHandler,
    pattern: boolean,
  ): Promise<() => Promise<void>> {
    let handlers = registry.get(name);
    if (!handlers) {
      handlers = new Set();
      registry.set(name, handlers);
      await (pattern ? this.subscriber.psubscribe(name) : this.subscriber.subscribe(name));
    }
    handlers.add(handler);
    return async () => {
      const current = registry.get(name);
      if (!current?.delete(handler) || current.size > 0) return;
      registry.delete(name);
      await (pattern ? this.subscriber.punsubscribe(name) : this.subscriber.unsubscribe(name)).catch(
        () => undefined,
      );
    };
  }

  private dispatch(handlers: Set<MessageHandler> | undefined, channel: string, message: string): void {
    if (!handlers) return;
    for (const handler of handlers) {
      try {
        handler(channel, message);
      } catch (error) {
        this.logger.error(
          { channel, error: error instanceof Error ? error.stack : String(error) },
          'pub/sub handler failed',
        );
      }
    }
  }

  onApplicationShutdown(): void {
    this.channels.clear();
    this.patterns.clear();
    this.reconnectListeners.clear();
  }
}
