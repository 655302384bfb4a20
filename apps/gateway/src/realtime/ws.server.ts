import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import {
  HttpException,
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  FlowSnapshotStream,
  LiquidationSignalStream,
  LiquidationStream,
  MessageValidator,
  TokenUpdateStream,
  type FlowSnapshotNoticeMessage,
  type StreamDefinition,
} from '@mdp/schemas';
import { TOKEN_LIST_PREFIX, WsSubscriptionRepository } from '@mdp/data-access-tokens';
import { signalUpdateChannel } from '@mdp/data-access-liquidation';
import { createRedisConnection, type Logger, type RedisClient } from '@mdp/platform';
import { AnswerCache } from '../answers/answer.cache';
import { API_KEY_REVOKED_CHANNEL } from '../auth/api-key';
import { ApiKeyAuthenticator, RateLimitedException } from '../auth/api-key.authenticator';
import { apiKeyOf } from '../auth/api-key.hook';
import { GatewayConfig } from '../gateway.config';
import { LOGGER, REDIS } from '../gateway.dependencies';
import { unavailableBackend } from '../http/backend-error';
import { PubSubHub } from './pubsub.hub';
import { StreamTail } from './stream-tail.reader';
import { WS_CLOSE, WsConnection } from './ws-connection';
import {
  errorReply,
  parseClientMessage,
  topicKey,
  topicReply,
  type WsChannel,
  type WsClientMessage,
  type WsTopic,
} from './ws-protocol';
import { WsUpdateRouter } from './ws-update.router';
import { wsMetrics } from './ws.metrics';

/** Path of the WebSocket endpoint (an HTTP upgrade on the API's port). */
export const WS_PATH = '/ws';

const SIGNAL_PATTERN = signalUpdateChannel('*');
const SIGNAL_PREFIX = signalUpdateChannel('');
/** How long a subscribe waits for its source to start before it is confirmed anyway. */
const SOURCE_START_TIMEOUT_MS = 2_000;
const instances = new Map<string, number>();

function defaultReplicaId(): string {
  const base = `${hostname()
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 48)}-${process.pid}`;
  const seen = instances.get(base) ?? 0;
  instances.set(base, seen + 1);
  return seen === 0 ? base : `${base}-${seen}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}

/**
 * The WebSocket API: `GET /ws` upgraded on the REST port (ws with `noServer`, so the upgrade is
 * authenticated like any request before it happens), subscriptions to token updates, flow
 * snapshots, signals and liquidations, and the live sources behind them:
 * - `stream:{token-updates}`, `stream:{flow-snapshots}`, `stream:{liquidations}`: each followed with
 *   plain XREAD (every replica delivers every update to its own clients) while it has subscribers;
 * - `signal:updates:<SYMBOL>` pub/sub through the shared PubSubHub, while signals are subscribed.
 * Token subscriptions are mirrored in seed 003's `ws_subs:{token_id}` sets (see WsSubscriptionRepository).
 */
@Injectable()
export class WsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly replicaId: string;
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, WsConnection>();
  private readonly router = new WsUpdateRouter();
  private readonly subscriptions: WsSubscriptionRepository;
  private readonly tails: Record<'tokens' | 'flow' | 'liquidations', StreamTail>;
  private readonly signalValidator = new MessageValidator(LiquidationSignalStream.messageClass, 'signal');
  private signalsSource: Promise<() => Promise<void>> | null = null;
  private readonly cleanups: Array<() => unknown> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private sequence = 0;
  private accepting = false;
  private stopped = false;
  private heartbeatFailed = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) redis: RedisClient,
    private readonly hub: PubSubHub,
    private readonly authenticator: ApiKeyAuthenticator,
    answers: AnswerCache,
  ) {
    this.replicaId = config.WS_REPLICA_ID || defaultReplicaId();
    this.subscriptions = new WsSubscriptionRepository(redis);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: config.WS_MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
    });
    const tail = (
      definition: StreamDefinition,
      channel: WsChannel,
      onEvents: (events: readonly object[]) => void,
    ) =>
      new StreamTail({
        definition,
        blockMs: config.WS_READ_BLOCK_MS,
        logger,
        onEvents,
        onGap: (reason, from, to) => this.gap(channel, reason, from, to),
        connect: () =>
          createRedisConnection(config.REDIS_URL, {
            maxRetriesPerRequest: 0,
            commandTimeout: config.WS_READ_BLOCK_MS + 2_000,
            connectionName: `gateway-ws-${channel}`,
          }),
      });
    this.tails = {
      // Kept answers go before the update is delivered: a client that reads the snapshot (or a list)
      // on an update gets the new one (the answer cache follows the flow stream on its own too).
      tokens: tail(TokenUpdateStream, 'tokens', (events) => {
        answers.invalidatePrefix(TOKEN_LIST_PREFIX);
        this.router.deliverTokens(events);
      }),
      flow: tail(FlowSnapshotStream, 'flow', (events) => {
        for (const event of events) answers.invalidate((event as FlowSnapshotNoticeMessage).key);
        this.router.deliverFlow(events);
      }),
      liquidations: tail(LiquidationStream, 'liquidations', (events) =>
        this.router.deliverLiquidations(events),
      ),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    // Members left by an earlier run of this replica (a crash) and by crashed replicas go first.
    await withTimeout(this.heartbeat(), 2_000);
    await withTimeout(this.sweep(), 5_000);
    const server = this.adapterHost.httpAdapter.getHttpServer() as import('node:http').Server;
    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head);
    server.on('upgrade', onUpgrade);
    this.cleanups.push(() => server.off('upgrade', onUpgrade));
    // Not awaited: with Redis down at start the subscription completes when it is back.
    const revocations = this.hub.subscribe(API_KEY_REVOKED_CHANNEL, (_channel, keyHash) =>
      this.revoked(keyHash),
    );
    revocations.catch(() => undefined);
    this.cleanups.push(() => revocations.then((stop) => stop()));
    this.cleanups.push(
      this.hub.onReconnect(() => {
        if (this.signalsSource) this.gap('signals', 'Redis was unavailable: signals may have been missed');
      }),
    );
    const every = (ms: number, task: () => unknown) => {
      const timer = setInterval(task, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(250, () => {
      const now = Date.now();
      for (const connection of this.connections.values()) if (connection.dropped > 0) connection.check(now);
    });
    every(this.config.WS_PING_INTERVAL_MS, () => this.pingAll());
    every(Math.floor((this.config.WS_REPLICA_TTL_S * 1000) / 3), () => void this.heartbeat());
    every(this.config.WS_SWEEP_INTERVAL_MS, () => void this.sweep());
    this.accepting = true;
    this.logger.info({ replicaId: this.replicaId, path: WS_PATH }, 'WebSocket API ready');
  }

  /** Closes every client (1001), removes this replica's ws_subs members and heartbeat, stops the sources. */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    const memberships: Array<{ tokenId: number; connectionId: string }> = [];
    const closed: Array<Promise<void>> = [];
    for (const connection of this.connections.values()) {
      for (const topic of connection.topics.values())
        if (topic.channel === 'tokens')
          memberships.push({ tokenId: topic.tokenId, connectionId: connection.id });
      closed.push(new Promise((resolve) => connection.socket.once('close', () => resolve())));
      connection.close(WS_CLOSE.goingAway, 'server shutting down');
    }
    const removed = Promise.all([
      this.subscriptions.removeAll(memberships),
      this.subscriptions.forgetReplica(this.replicaId),
    ]).catch((error: unknown) =>
      this.logger.warn(
        { error: errorText(error), memberships: memberships.length },
        'ws_subs members not removed at shutdown; the next sweep of a live replica removes them',
      ),
    );
    await withTimeout(removed, 2_000);
    // A subscription still waiting for Redis never completes: none of this may hold the stop up.
    for (const cleanup of this.cleanups)
      await withTimeout(
        Promise.resolve(cleanup()).catch(() => undefined),
        1_000,
      );
    if (this.signalsSource) {
      const source = this.signalsSource;
      this.signalsSource = null;
      await withTimeout(
        source.then((stop) => stop()).catch(() => undefined),
        1_000,
      );
    }
    await Promise.all(Object.values(this.tails).map((tail) => tail.close()));
    await withTimeout(Promise.all(closed), 1_500);
    this.wss.close();
  }

  /** Open connections, for tests and diagnostics. */
  connection(id: string): WsConnection | undefined {
    return this.connections.get(id);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  // ---- upgrade -------------------------------------------------------------------------------

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (url.pathname !== WS_PATH)
      return this.refuse(socket, 404, `no WebSocket endpoint at ${url.pathname}; use ${WS_PATH}`);
    if (!this.accepting) return this.refuse(socket, 503, 'server is shutting down', 1);
    if (this.connections.size >= this.config.WS_MAX_CONNECTIONS)
      return this.refuse(socket, 503, `connection limit of ${this.config.WS_MAX_CONNECTIONS} reached`, 5);
    const key = apiKeyOf(request.headers) ?? url.searchParams.get('api_key') ?? undefined;
    this.authenticator
      .authenticate({ key, ip: request.socket.remoteAddress ?? 'unknown', readOnly: true })
      .then(
        ({ caller }) => {
          if (!this.accepting || socket.destroyed) {
            socket.destroy();
            return;
          }
          this.wss.handleUpgrade(request, socket, head, (ws) =>
            this.accept(ws, caller.kind === 'key' ? caller.key.keyHash : null),
          );
        },
        (error: unknown) => {
          if (error instanceof RateLimitedException)
            this.refuse(socket, 429, errorText(error), error.retryAfterSeconds);
          else if (error instanceof HttpException) this.refuse(socket, error.getStatus(), errorText(error));
          else if (unavailableBackend(error))
            this.refuse(socket, 503, `${unavailableBackend(error)} is unavailable, retry shortly`, 1);
          else {
            this.logger.error(
              { error: error instanceof Error ? error.stack : String(error) },
              'WebSocket upgrade failed',
            );
            this.refuse(socket, 500, 'internal error');
          }
        },
      );
  }

  /** Answers a refused upgrade with a plain HTTP response (the same JSON error body as the REST API). */
  private refuse(socket: Duplex, status: number, message: string, retryAfterSeconds?: number): void {
    wsMetrics.refused.inc({ status: String(status) });
    if (socket.destroyed) return;
    const reason = STATUS_CODES[status] ?? 'Error';
    const body = JSON.stringify({ statusCode: status, error: reason, message });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        (retryAfterSeconds === undefined ? '' : `Retry-After: ${retryAfterSeconds}\r\n`) +
        'Connection: close\r\n\r\n' +
        body,
    );
    setTimeout(() => socket.destroy(), 1_000).unref();
  }

  // ---- connections ---------------------------------------------------------------------------

  private accept(socket: WebSocket, keyHash: string | null): void {
    const id = `${this.replicaId}:${++this.sequence}`;
    const connection = new WsConnection(id, socket, keyHash, {
      highWaterBytes: this.config.WS_HIGH_WATER_BYTES,
      maxBufferedBytes: this.config.WS_MAX_BUFFERED_BYTES,
      slowClientTimeoutMs: this.config.WS_SLOW_CLIENT_TIMEOUT_MS,
      maxMessagesPerSecond: this.config.WS_MAX_MESSAGES_PER_SECOND,
    });
    this.connections.set(id, connection);
    wsMetrics.connections.inc();
    socket.on('error', (error) =>
      this.logger.debug({ connection: id, error: error.message }, 'WebSocket error'),
    );
    socket.on('pong', () => (connection.alive = true));
    socket.on('message', (data: RawData, isBinary: boolean) => this.message(connection, data, isBinary));
    socket.once('close', () => this.closed(connection));
    connection.reply(
      JSON.stringify({
        op: 'connected',
        connectionId: id,
        maxSubscriptions: this.config.WS_MAX_SUBSCRIPTIONS,
        maxMessagesPerSecond: this.config.WS_MAX_MESSAGES_PER_SECOND,
      }),
    );
  }

  private closed(connection: WsConnection): void {
    if (!this.connections.delete(connection.id)) return;
    wsMetrics.connections.dec();
    const memberships: Array<{ tokenId: number; connectionId: string }> = [];
    for (const topic of connection.topics.values()) {
      this.unsubscribeTopic(connection, topic);
      if (topic.channel === 'tokens')
        memberships.push({ tokenId: topic.tokenId, connectionId: connection.id });
    }
    connection.topics.clear();
    if (memberships.length > 0 && !this.stopped)
      this.subscriptions
        .removeAll(memberships)
        .catch((error: unknown) =>
          this.logger.warn(
            { connection: connection.id, error: errorText(error) },
            'ws_subs members not removed; the sweep will',
          ),
        );
  }

  private message(connection: WsConnection, data: RawData, isBinary: boolean): void {
    const budget = connection.admit();
    if (!budget.allowed) {
      if (budget.firstExcess)
        connection.reply(
          errorReply(
            `too many messages: at most ${this.config.WS_MAX_MESSAGES_PER_SECOND} per second; the rest of this second's are ignored`,
          ),
        );
      return;
    }
    if (isBinary)
      return connection.reply(errorReply('binary frames are not supported: send JSON text frames'));
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as Buffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return connection.reply(errorReply(parsed.reason, parsed.id));
    // One message at a time per connection, so replies come in the order of the requests.
    connection.pending = connection.pending
      .then(() => this.handle(connection, parsed.message))
      .catch((error: unknown) =>
        this.logger.error({ connection: connection.id, error: errorText(error) }, 'WebSocket message failed'),
      );
  }

  private async handle(connection: WsConnection, message: WsClientMessage): Promise<void> {
    if (message.op === 'ping') {
      connection.reply(
        JSON.stringify(
          message.id === undefined
            ? { op: 'pong', ts: Date.now() }
            : { op: 'pong', ts: Date.now(), id: message.id },
        ),
      );
      return;
    }
    const { topic, id } = message;
    const key = topicKey(topic);
    if (message.op === 'unsubscribe') {
      if (!connection.topics.has(key)) {
        connection.reply(errorReply(`not subscribed to ${key}`, id));
        return;
      }
      connection.topics.delete(key);
      this.unsubscribeTopic(connection, topic);
      if (topic.channel === 'tokens')
        await this.subscriptions
          .remove(topic.tokenId, connection.id)
          .catch((error: unknown) =>
            this.logger.warn(
              { connection: connection.id, error: errorText(error) },
              'ws_subs member not removed; the sweep will',
            ),
          );
      connection.reply(topicReply('unsubscribed', topic, id));
      return;
    }
    if (!connection.topics.has(key)) {
      if (connection.topics.size >= this.config.WS_MAX_SUBSCRIPTIONS) {
        connection.reply(
          errorReply(`subscription limit of ${this.config.WS_MAX_SUBSCRIPTIONS} per connection reached`, id),
        );
        return;
      }
      connection.topics.set(key, topic);
      const started = this.subscribeTopic(connection, topic);
      const recorded =
        topic.channel === 'tokens'
          ? this.subscriptions.add(topic.tokenId, connection.id).catch((error: unknown) => {
              // The next successful heartbeat adds every membership of this replica again.
              this.heartbeatFailed = true;
              this.logger.warn(
                { connection: connection.id, error: errorText(error) },
                'ws_subs member not added; restored after the outage',
              );
            })
          : Promise.resolve();
      await withTimeout(Promise.all([started, recorded]), SOURCE_START_TIMEOUT_MS);
      // Closed or unsubscribed while the source started: undo the set entry the add may have left.
      if (topic.channel === 'tokens' && !connection.topics.has(key))
        await this.subscriptions.remove(topic.tokenId, connection.id).catch(() => undefined);
    }
    connection.reply(topicReply('subscribed', topic, id));
  }

  private subscribeTopic(connection: WsConnection, topic: WsTopic): Promise<unknown> {
    this.router.add(connection, topic);
    wsMetrics.subscriptions.inc({ channel: topic.channel });
    if (topic.channel !== 'signals') return this.tails[topic.channel].retain();
    if (!this.signalsSource) {
      this.signalsSource = this.hub.psubscribe(SIGNAL_PATTERN, (channel, message) =>
        this.signal(channel, message),
      );
      this.signalsSource.catch(() => (this.signalsSource = null));
    }
    return this.signalsSource;
  }

  private unsubscribeTopic(connection: WsConnection, topic: WsTopic): void {
    this.router.remove(connection, topic);
    wsMetrics.subscriptions.dec({ channel: topic.channel });
    if (topic.channel !== 'signals') return this.tails[topic.channel].release();
    if (this.router.count('signals') === 0 && this.signalsSource) {
      const source = this.signalsSource;
      this.signalsSource = null;
      void source.then((stop) => stop()).catch(() => undefined);
    }
  }

  private signal(channel: string, message: string): void {
    if (!channel.startsWith(SIGNAL_PREFIX)) return;
    const symbol = channel.slice(SIGNAL_PREFIX.length);
    let value: unknown;
    try {
      value = JSON.parse(message);
    } catch {
      value = null;
    }
    if (this.signalValidator.check(value) !== null || (value as { symbol: string }).symbol !== symbol) {
      this.logger.debug({ channel }, 'invalid signal announcement skipped');
      return;
    }
    this.router.deliverSignal(symbol, message);
  }

  /** Tells every client subscribed on `channel` that updates may have been missed. */
  private gap(channel: WsChannel, reason: string, from?: number, to = Date.now()): void {
    wsMetrics.gaps.inc({ channel });
    const text = JSON.stringify(
      from === undefined ? { op: 'gap', channel, reason, to } : { op: 'gap', channel, reason, from, to },
    );
    for (const connection of this.router.connectionsOn(channel)) connection.reply(text);
    // Removals lost during the outage are swept; memberships a sweep elsewhere removed are restored.
    this.heartbeatFailed = true;
  }

  private revoked(keyHash: string): void {
    for (const connection of this.connections.values())
      if (connection.keyHash === keyHash) connection.close(WS_CLOSE.policy, 'API key revoked');
  }

  private pingAll(): void {
    for (const connection of this.connections.values()) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  // ---- ws_subs housekeeping ------------------------------------------------------------------

  private async heartbeat(): Promise<void> {
    try {
      await this.subscriptions.heartbeat(this.replicaId, this.config.WS_REPLICA_TTL_S);
      if (this.heartbeatFailed) {
        // While the heartbeat was missing another replica may have swept this one's members: restore them.
        this.heartbeatFailed = false;
        await this.subscriptions.addAll(this.tokenMemberships());
      }
    } catch (error) {
      this.heartbeatFailed = true;
      this.logger.debug({ error: errorText(error) }, 'WebSocket replica heartbeat not written');
    }
  }

  private async sweep(): Promise<void> {
    try {
      const removed = await this.subscriptions.sweep(this.replicaId, (id, tokenId) => {
        const connection = this.connections.get(id);
        return connection !== undefined && !this.stopped && connection.topics.has(`tokens:${tokenId}`);
      });
      if (removed > 0) this.logger.info({ removed }, 'stale ws_subs members removed');
    } catch (error) {
      this.logger.warn({ error: errorText(error) }, 'ws_subs sweep failed; retried at the next interval');
    }
  }

  private tokenMemberships(): Array<{ tokenId: number; connectionId: string }> {
    const memberships: Array<{ tokenId: number; connectionId: string }> = [];
    for (const connection of this.connections.values())
      for (const topic of connection.topics.values())
        if (topic.channel === 'tokens')
          memberships.push({ tokenId: topic.tokenId, connectionId: connection.id });
    return memberships;
  }
}
