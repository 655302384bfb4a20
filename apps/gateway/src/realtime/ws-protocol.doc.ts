import { FLOW_WINDOWS } from '@mdp/schemas';
import type { GatewayConfig } from '../gateway.config';
import { WS_CHANNELS } from './ws-protocol';

/**
 * The WebSocket protocol, described AsyncAPI-style (served at `GET /api/ws/protocol` and summarized
 * in the OpenAPI description of `GET /ws`). Limits are this replica's settings.
 */
export function wsProtocolDocument(config: GatewayConfig) {
  return {
    asyncapi: '2.6.0',
    info: {
      title: 'Market data gateway: live updates',
      version: '1',
      description:
        'Connect with a WebSocket upgrade of GET /ws on the REST port. Authenticate with the X-API-Key header ' +
        '(or Authorization: Bearer), or the api_key query parameter where headers cannot be set (browsers). ' +
        'A refused upgrade is answered with a plain HTTP response before any upgrade: 401 (missing, invalid or ' +
        "revoked key), 429 with Retry-After (the connection counts as one request against the key's limits), " +
        '503 (backend unavailable, connection limit, shutting down). All frames are JSON text.',
    },
    servers: { gateway: { url: '/ws', protocol: 'ws' } },
    limits: {
      maxSubscriptionsPerConnection: config.WS_MAX_SUBSCRIPTIONS,
      maxMessagesPerSecond: config.WS_MAX_MESSAGES_PER_SECOND,
      maxMessageBytes: config.WS_MAX_MESSAGE_BYTES,
      highWaterBytes: config.WS_HIGH_WATER_BYTES,
      maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      slowClientTimeoutMs: config.WS_SLOW_CLIENT_TIMEOUT_MS,
      pingIntervalMs: config.WS_PING_INTERVAL_MS,
    },
    channels: WS_CHANNELS,
    clientMessages: {
      subscribe: {
        description:
          'Subscribe to a topic; answered with {"op":"subscribed", <the topic>}. Subscribing twice is harmless. ' +
          'Symbols of signals and liquidations match the canonical symbol (BTC-USDT) or its base (BTC); "*" is every symbol.',
        examples: [
          { op: 'subscribe', channel: 'tokens', tokenId: 1 },
          { op: 'subscribe', channel: 'flow', coin: 'BTC', timeWindow: '5m' },
          { op: 'subscribe', channel: 'signals', symbol: 'BTC' },
          { op: 'subscribe', channel: 'signals', symbol: '*' },
          { op: 'subscribe', channel: 'liquidations', symbol: 'BTC' },
        ],
        fields: {
          op: 'subscribe',
          channel: WS_CHANNELS,
          tokenId: 'tokens: integer >= 1 (tokens.id)',
          coin: 'flow: symbol, e.g. BTC',
          timeWindow: `flow: one of ${FLOW_WINDOWS.join(', ')}`,
          symbol: 'signals, liquidations: BTC, BTC-USDT or *',
          id: 'optional: string (<= 64 characters) or number, echoed in the reply',
        },
      },
      unsubscribe: {
        description: 'The same fields as subscribe; answered with {"op":"unsubscribed", <the topic>}.',
        examples: [{ op: 'unsubscribe', channel: 'tokens', tokenId: 1 }],
      },
      ping: { description: 'Answered with {"op":"pong","ts":<epoch ms>}.', examples: [{ op: 'ping' }] },
    },
    serverMessages: {
      connected: {
        example: {
          op: 'connected',
          connectionId: 'gw-1:17',
          maxSubscriptions: 100,
          maxMessagesPerSecond: 20,
        },
      },
      subscribed: { example: { op: 'subscribed', channel: 'tokens', tokenId: 1 } },
      unsubscribed: { example: { op: 'unsubscribed', channel: 'tokens', tokenId: 1 } },
      pong: { example: { op: 'pong', ts: 1700000000000 } },
      error: {
        description:
          'An invalid message (malformed JSON, unknown op, channel, field, coin or window, a bad id, over the ' +
          'subscription or message-rate limit) is answered with the reason; the connection stays open.',
        example: { op: 'error', reason: 'timeWindow must be one of 1m, 5m, 15m, 1h or 4h, got "2m"' },
      },
      tokenUpdate: {
        description: "A token's metrics after a poll (stream:{token-updates}, TokenUpdateMessage).",
        example: {
          channel: 'tokens',
          tokenId: 1,
          data: {
            tokenId: 1,
            cmcId: 1,
            symbol: 'BTC',
            name: 'Bitcoin',
            priceUsd: 65000,
            marketCapUsd: 1.28e12,
            volume24hUsd: 3.1e10,
            velocity: 0.02421875,
            trend: 'stable',
            dataQualityScore: 1,
            ts: 1700000000000,
          },
        },
      },
      flowUpdate: {
        description:
          'A liquidity flow snapshot was written (stream:{flow-snapshots}, FlowSnapshotNoticeMessage); the full ' +
          'snapshot is GET /api/liquidity-flow/retrieve?key=<data.key>.',
        example: {
          channel: 'flow',
          coin: 'BTC',
          timeWindow: '5m',
          data: {
            key: 'liquidity-flow:BTC:5m:1700000000000',
            coin: 'BTC',
            timeWindow: '5m',
            timestamp: 1700000000000,
            final: false,
            totalTrades: 412,
            netFlow: 3.25,
            writtenAt: 1700000030000,
          },
        },
      },
      signalUpdate: {
        description: 'A liquidation signal (pub/sub signal:updates:<SYMBOL>, LiquidationSignalMessage).',
        example: {
          channel: 'signals',
          symbol: 'BTC-USDT',
          data: { signalId: '...', symbol: 'BTC-USDT', side: 'buy' },
        },
      },
      liquidationUpdate: {
        description: 'A liquidation (stream:{liquidations}, LiquidationMessage).',
        example: {
          channel: 'liquidations',
          symbol: 'BTC-USDT',
          data: { eventId: '...', symbol: 'BTC-USDT', base: 'BTC' },
        },
      },
      dropped: {
        description:
          'The client read too slowly: its unsent bytes passed the high-water mark and `count` updates were not ' +
          'sent. Sent once it has read its backlog down to half the mark, and updates resume. A client that has ' +
          'not caught up within slowClientTimeoutMs, or holds more than maxBufferedBytes unread, is closed with ' +
          'code 1013 (a client that does not read at all sees the connection end without the close frame).',
        example: { op: 'dropped', count: 42 },
      },
      gap: {
        description:
          'Redis was unavailable: updates of the channel between `from` and `to` (epoch ms) may have been missed. ' +
          'Reading resumed from the newest update.',
        example: {
          op: 'gap',
          channel: 'tokens',
          reason: 'Redis was unavailable: updates may have been missed',
          from: 1,
          to: 2,
        },
      },
    },
    closeCodes: {
      1001: 'the gateway is shutting down',
      1008: 'the API key was revoked',
      1009: 'a client message was larger than maxMessageBytes',
      1013: 'the client read too slowly (reason says how)',
    },
  };
}
