import { FlowSnapshotStream, LiquidationStream, TokenUpdateStream } from '@mdp/schemas';
import { aFlowSnapshotNotice, aLiquidation, aSignal, aTokenUpdate } from '@mdp/schemas/testing';
import { ActiveSignalRepository } from '@mdp/data-access-liquidation';
import { StreamPublisher } from '@mdp/transport';
import { API_KEY_REVOKED_CHANNEL } from '../src/auth/api-key';
import { WsServer } from '../src/realtime/ws.server';
import { startGateway, type GatewayHarness } from './gateway.harness';
import { WsTestClient } from './ws-test.client';

async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('gateway WebSocket API', () => {
  let gateway: GatewayHarness;
  let publisher: StreamPublisher;
  let key: string;
  const clients: WsTestClient[] = [];
  const open = async (options: { key?: string; query?: string } = { key }) => {
    const client = await WsTestClient.open(gateway.wsUrl, options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    gateway = await startGateway({
      env: { WS_REPLICA_ID: 'gw-test', WS_MAX_SUBSCRIPTIONS: '4', WS_MAX_MESSAGES_PER_SECOND: '30' },
    });
    publisher = new StreamPublisher(gateway.redis);
    key = await gateway.createKey('pro');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await gateway?.close();
  });

  describe('upgrade', () => {
    it('refuses an upgrade without a key, with an unknown key and with a revoked key (401 before the upgrade)', async () => {
      expect(await WsTestClient.refusal(gateway.wsUrl)).toMatchObject({
        status: 401,
        body: {
          statusCode: 401,
          error: 'Unauthorized',
          message: 'missing API key: send it in the X-API-Key header',
        },
      });
      expect(await WsTestClient.refusal(gateway.wsUrl, { key: 'mdp_unknown' })).toMatchObject({
        status: 401,
        body: { message: 'invalid API key' },
      });
      const revoked = await gateway.createKey('basic');
      await gateway.keys.revoke(revoked);
      await gateway.redis.publish(API_KEY_REVOKED_CHANNEL, (await gateway.keys.list()).at(-1)!.keyHash);
      await eventually(async () => {
        const refusal = await WsTestClient.refusal(gateway.wsUrl, { key: revoked });
        return (refusal.body as { message: string }).message === 'API key revoked';
      });
      expect(await WsTestClient.refusal(gateway.wsUrl, { key: revoked })).toMatchObject({
        status: 401,
        body: { message: 'API key revoked' },
      });
    });

    it('accepts the key as an api_key query parameter and counts the connection as one request (429 past the limit)', async () => {
      const limited = await gateway.createKey('basic', { perMinute: 2 });
      const first = await open({ query: `?api_key=${encodeURIComponent(limited)}` });
      expect(first.connectionId).toMatch(/^gw-test:\d+$/);
      const account = await gateway.request('/api/account', { key: limited });
      if (account.status === 200) {
        // The minute did not turn over: the connection and this request spent the limit of 2.
        expect(((await account.json()) as { usage: { minute: number } }).usage.minute).toBe(2);
        const refusal = await WsTestClient.refusal(gateway.wsUrl, { key: limited });
        expect(refusal.status).toBe(429);
        expect(Number(refusal.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect((refusal.body as { message: string }).message).toMatch(/2 requests per minute/);
      }
    });

    it('answers 404 for an upgrade elsewhere, 426 for a plain GET /ws, and serves the protocol document', async () => {
      expect(await WsTestClient.refusal(gateway.wsUrl, { key, path: '/other' })).toMatchObject({
        status: 404,
        body: { message: 'no WebSocket endpoint at /other; use /ws' },
      });
      const plain = await gateway.request('/ws');
      expect(plain.status).toBe(426);
      expect(((await plain.json()) as { message: string }).message).toMatch(/WebSocket endpoint/);
      expect((await gateway.request('/api/ws/protocol')).status).toBe(401);
      const protocol = await gateway.request('/api/ws/protocol', { key });
      expect(protocol.status).toBe(200);
      const document = (await protocol.json()) as { channels: string[]; limits: Record<string, number> };
      expect(document.channels).toEqual(['tokens', 'flow', 'signals', 'liquidations']);
      expect(document.limits['maxSubscriptionsPerConnection']).toBe(4);
      const openapi = (await (await gateway.request('/openapi.json')).json()) as {
        paths: Record<string, unknown>;
      };
      expect(openapi.paths['/ws']).toBeDefined();
      expect(openapi.paths['/api/ws/protocol']).toBeDefined();
    });
  });

  describe('channels', () => {
    it('tokens: delivers the subscribed token only, tracks ws_subs:{token_id}, and stops after unsubscribe', async () => {
      const client = await open();
      expect(await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 1, id: 'a' })).toEqual({
        op: 'subscribed',
        channel: 'tokens',
        tokenId: 1,
        id: 'a',
      });
      expect(await gateway.redis.smembers('ws_subs:1')).toEqual([client.connectionId]);
      expect(await gateway.redis.ttl('ws_subs:1')).toBe(-1);

      const update = aTokenUpdate({ tokenId: 1, priceUsd: 45_001.25 });
      await publisher.publish(TokenUpdateStream, [aTokenUpdate({ tokenId: 2 }), update]);
      expect(await client.next((message) => message.channel === 'tokens')).toEqual({
        channel: 'tokens',
        tokenId: 1,
        data: update,
      });

      expect(await client.request({ op: 'unsubscribe', channel: 'tokens', tokenId: 1 })).toEqual({
        op: 'unsubscribed',
        channel: 'tokens',
        tokenId: 1,
      });
      expect(await gateway.redis.exists('ws_subs:1')).toBe(0);
      await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 3 });
      await publisher.publish(TokenUpdateStream, [
        aTokenUpdate({ tokenId: 1 }),
        aTokenUpdate({ tokenId: 3 }),
      ]);
      // Same stream, in order: had token 1 been delivered, it would have come before token 3.
      await client.next((message) => message.channel === 'tokens' && message['tokenId'] === 3);
      expect(client.updates('tokens').map((message) => message['tokenId'])).toEqual([1, 3]);
    });

    it('flow: delivers snapshot notices of the subscribed coin and window only', async () => {
      const client = await open();
      expect(
        await client.request({ op: 'subscribe', channel: 'flow', coin: 'BTC', timeWindow: '5m' }),
      ).toEqual({
        op: 'subscribed',
        channel: 'flow',
        coin: 'BTC',
        timeWindow: '5m',
      });
      const wanted = aFlowSnapshotNotice({
        coin: 'BTC',
        timeWindow: '5m',
        key: 'liquidity-flow:BTC:5m:1700000100000',
      });
      await publisher.publish(FlowSnapshotStream, [
        aFlowSnapshotNotice({ coin: 'BTC', timeWindow: '1m' }),
        aFlowSnapshotNotice({ coin: 'ETH', timeWindow: '5m' }),
        wanted,
      ]);
      expect(await client.next((message) => message.channel === 'flow')).toEqual({
        channel: 'flow',
        coin: 'BTC',
        timeWindow: '5m',
        data: wanted,
      });
      await client.request({ op: 'unsubscribe', channel: 'flow', coin: 'BTC', timeWindow: '5m' });
      expect(client.updates('flow')).toHaveLength(1);
    });

    it('liquidations: by base symbol, by canonical symbol and "*", each delivered once per connection', async () => {
      const btc = await open();
      const all = await open();
      await btc.request({ op: 'subscribe', channel: 'liquidations', symbol: 'BTC' });
      await btc.request({ op: 'subscribe', channel: 'liquidations', symbol: 'BTC-USDT' });
      await all.request({ op: 'subscribe', channel: 'liquidations', symbol: '*' });
      const btcLiquidation = aLiquidation({ eventId: 'btc-1' });
      const ethLiquidation = aLiquidation({
        eventId: 'eth-1',
        symbol: 'ETH-USDT',
        base: 'ETH',
        venueSymbol: 'ETHUSDT',
      });
      await publisher.publish(LiquidationStream, [ethLiquidation, btcLiquidation]);
      expect(await btc.next((message) => message.channel === 'liquidations')).toEqual({
        channel: 'liquidations',
        symbol: 'BTC-USDT',
        data: btcLiquidation,
      });
      await all.next((message) => message.channel === 'liquidations' && message['symbol'] === 'BTC-USDT');
      expect(all.updates('liquidations').map((message) => message['symbol'])).toEqual([
        'ETH-USDT',
        'BTC-USDT',
      ]);
      await btc.request({ op: 'ping' });
      expect(btc.updates('liquidations')).toHaveLength(1);
    });

    it('signals: delivers the pub/sub announcements of signal:updates:<SYMBOL> for the symbol or "*"', async () => {
      const btc = await open();
      const all = await open();
      expect(await btc.request({ op: 'subscribe', channel: 'signals', symbol: 'BTC' })).toEqual({
        op: 'subscribed',
        channel: 'signals',
        symbol: 'BTC',
      });
      await all.request({ op: 'subscribe', channel: 'signals', symbol: '*' });
      const signals = new ActiveSignalRepository(gateway.redis);
      const eth = aSignal({ signalId: 'eth-signal', symbol: 'ETH-USDT' });
      const btcSignal = aSignal({ signalId: 'btc-signal', symbol: 'BTC-USDT' });
      await signals.activate(eth, 60);
      await signals.activate(btcSignal, 60);
      expect(await btc.next((message) => message.channel === 'signals')).toEqual({
        channel: 'signals',
        symbol: 'BTC-USDT',
        data: btcSignal,
      });
      await all.next((message) => message.channel === 'signals' && message['symbol'] === 'BTC-USDT');
      expect(
        all.updates('signals').map((message) => (message['data'] as { signalId: string }).signalId),
      ).toEqual(['eth-signal', 'btc-signal']);
      expect(btc.updates('signals')).toHaveLength(1);
      await btc.request({ op: 'unsubscribe', channel: 'signals', symbol: 'BTC' });
      await all.request({ op: 'unsubscribe', channel: 'signals', symbol: '*' });
      // The last signals subscription is gone: the replica leaves the pattern.
      await eventually(async () => ((await gateway.redis.pubsub('NUMPAT')) as unknown) === 0);
    });
  });

  it('reads a stream only while it has subscribers, on a connection of its own', async () => {
    const db = String(gateway.redis.options.db ?? 0);
    const readers = async () =>
      ((await gateway.redis.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes(` db=${db} `) && / name=gateway-ws-flow /.test(line));
    // (An earlier test's reader ends when its BLOCK returns.)
    await eventually(async () => (await readers()).length === 0);
    const client = await open();
    await client.request({ op: 'subscribe', channel: 'flow', coin: 'ETH', timeWindow: '1h' });
    await client.request({ op: 'subscribe', channel: 'flow', coin: 'ETH', timeWindow: '4h' });
    expect(await readers()).toHaveLength(1);
    await client.request({ op: 'unsubscribe', channel: 'flow', coin: 'ETH', timeWindow: '1h' });
    expect(await readers()).toHaveLength(1);
    await client.request({ op: 'unsubscribe', channel: 'flow', coin: 'ETH', timeWindow: '4h' });
    await eventually(async () => (await readers()).length === 0);
  });

  describe('invalid messages', () => {
    it('answers each with the reason and keeps the connection open', async () => {
      const client = await open();
      const cases: Array<[unknown, string]> = [
        ['{"op":', 'malformed JSON: '],
        ['[1,2]', 'a message must be a JSON object, got [1,2]'],
        [{ op: 'dance' }, 'unknown op "dance": expected subscribe, unsubscribe or ping'],
        [
          { op: 'subscribe', channel: 'news' },
          'unknown channel "news": expected tokens, flow, signals or liquidations',
        ],
        [
          { op: 'subscribe', channel: 'tokens', tokenId: 0 },
          'tokenId must be an integer from 1 to 2147483647, got 0',
        ],
        [
          { op: 'subscribe', channel: 'tokens', tokenId: '1' },
          'tokenId must be an integer from 1 to 2147483647, got "1"',
        ],
        [
          { op: 'subscribe', channel: 'flow', coin: 'btc', timeWindow: '5m' },
          'coin must be a symbol such as "BTC"',
        ],
        [
          { op: 'subscribe', channel: 'flow', coin: 'BTC', timeWindow: '2m' },
          'timeWindow must be one of 1m, 5m, 15m, 1h or 4h, got "2m"',
        ],
        [{ op: 'subscribe', channel: 'signals', symbol: 'btc usd' }, 'symbol must be a symbol such as "BTC"'],
        [
          { op: 'subscribe', channel: 'tokens', tokenId: 1, coin: 'BTC' },
          'unknown field "coin" for channel "tokens": it takes tokenId',
        ],
        [{ op: 'ping', extra: 1 }, 'unknown field "extra" for op "ping"'],
        [{ op: 'unsubscribe', channel: 'tokens', tokenId: 9 }, 'not subscribed to tokens:9'],
      ];
      for (const [message, reason] of cases) {
        const reply = await client.request(message);
        expect(reply.op).toBe('error');
        expect(reply['reason']).toContain(reason);
      }
      client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      expect(await client.next((message) => message.op === 'error')).toEqual({
        op: 'error',
        reason: 'binary frames are not supported: send JSON text frames',
      });
      expect(
        await client.request({ op: 'subscribe', channel: 'flow', coin: 'BTC', timeWindow: '2m', id: 7 }),
      ).toMatchObject({
        id: 7,
      });
      expect((await client.request({ op: 'ping', id: 'p' })) as object).toMatchObject({
        op: 'pong',
        id: 'p',
      });
      expect(await gateway.redis.keys('ws_subs:*')).toEqual([]);
    });

    it('caps subscriptions per connection and messages per second', async () => {
      const client = await open();
      for (let tokenId = 1; tokenId <= 4; tokenId++)
        expect((await client.request({ op: 'subscribe', channel: 'tokens', tokenId })).op).toBe('subscribed');
      // Subscribing again to a held topic is not a new subscription.
      expect((await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 4 })).op).toBe(
        'subscribed',
      );
      expect(await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 5 })).toEqual({
        op: 'error',
        reason: 'subscription limit of 4 per connection reached',
      });
      expect(await gateway.redis.exists('ws_subs:5')).toBe(0);

      const flood = await open();
      for (let i = 0; i < 40; i++) flood.send({ op: 'ping', id: i });
      await flood.next((message) => message.op === 'error');
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await flood.request({ op: 'ping', id: 'after' })).op).toBe('pong');
      const errors = flood.messages.filter((message) => message.op === 'error');
      const pongs = flood.messages.filter((message) => message.op === 'pong');
      expect(errors).toEqual([
        {
          op: 'error',
          reason: "too many messages: at most 30 per second; the rest of this second's are ignored",
        },
      ]);
      expect(pongs.length).toBeGreaterThanOrEqual(30);
      expect(pongs.length).toBeLessThanOrEqual(31 + 30); // the window may turn over during the burst
    });
  });

  describe('ws_subs lifecycle', () => {
    it('removes a connection from ws_subs when it disconnects', async () => {
      const client = await open();
      await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 11 });
      await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 12 });
      const other = await open();
      await other.request({ op: 'subscribe', channel: 'tokens', tokenId: 11 });
      expect(await gateway.redis.smembers('ws_subs:11')).toHaveLength(2);
      await client.close();
      await eventually(async () => (await gateway.redis.smembers('ws_subs:11')).length === 1);
      expect(await gateway.redis.smembers('ws_subs:11')).toEqual([other.connectionId]);
      expect(await gateway.redis.exists('ws_subs:12')).toBe(0);
    });

    it('closes a connection whose key is revoked (1008)', async () => {
      const doomed = await gateway.createKey('basic');
      const client = await open({ key: doomed });
      await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 21 });
      const keyHash = await gateway.keys.revoke(doomed);
      await gateway.redis.publish(API_KEY_REVOKED_CHANNEL, keyHash!);
      await client.closed;
      expect(client.closeCode).toBe(1008);
      expect(client.closeReason).toBe('API key revoked');
      await eventually(async () => (await gateway.redis.exists('ws_subs:21')) === 0);
    });

    it('publishes metrics', async () => {
      const metrics = await (await gateway.request('/metrics')).text();
      for (const name of [
        'gateway_ws_connections',
        'gateway_ws_subscriptions',
        'gateway_ws_messages_sent_total',
        'gateway_ws_updates_dropped_total',
        'gateway_ws_closed_slow_total',
        'gateway_ws_upgrades_refused_total',
      ])
        expect(metrics).toContain(name);
      expect(metrics).toMatch(/gateway_ws_upgrades_refused_total\{status="401"\} [1-9]/);
    });
  });
});

describe('gateway WebSocket replicas and ws_subs housekeeping', () => {
  it('delivers every update to the clients of every replica (no shared consumer group)', async () => {
    const one = await startGateway({ env: { WS_REPLICA_ID: 'gw-r1' } });
    const two = await startGateway({
      env: { WS_REPLICA_ID: 'gw-r2' },
      database: one.database,
      keepRedis: true,
    });
    try {
      const key = await one.createKey();
      const clients = await Promise.all(
        [one, two].map((gateway) => WsTestClient.open(gateway.wsUrl, { key })),
      );
      for (const client of clients) await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 41 });
      expect((await one.redis.smembers('ws_subs:41')).sort()).toEqual(
        clients.map((client) => client.connectionId).sort(),
      );
      const update = aTokenUpdate({ tokenId: 41 });
      await new StreamPublisher(one.redis).publish(TokenUpdateStream, update);
      for (const client of clients)
        expect(await client.next((message) => message.channel === 'tokens')).toEqual({
          channel: 'tokens',
          tokenId: 41,
          data: update,
        });
      await Promise.all(clients.map((client) => client.close()));
      await eventually(async () => (await one.redis.exists('ws_subs:41')) === 0);
    } finally {
      await two.close();
      await one.close();
    }
  }, 30_000);

  it('removes stale members at start, and its own members (and heartbeat) on close', async () => {
    const first = await startGateway({ env: { WS_REPLICA_ID: 'gw-first' } });
    try {
      // Left by a crashed earlier run of gw-one, by a crashed replica, and by a live replica.
      await first.redis.sadd('ws_subs:31', 'gw-one:99', 'gw-dead:1', 'gw-alive:1');
      await first.redis.set('ws_replica:gw-alive', '1', 'EX', 60);
      const second = await startGateway({
        env: { WS_REPLICA_ID: 'gw-one' },
        database: first.database,
        keepRedis: true,
      });
      expect(await second.redis.smembers('ws_subs:31')).toEqual(['gw-alive:1']);
      expect(await second.redis.ttl('ws_replica:gw-one')).toBeGreaterThan(0);
      const key = await second.createKey();
      const client = await WsTestClient.open(second.wsUrl, { key });
      await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 31 });
      expect((await second.redis.smembers('ws_subs:31')).sort()).toEqual(
        ['gw-alive:1', client.connectionId].sort(),
      );
      await second.close();
      await client.closed;
      expect(client.closeCode).toBe(1001);
      expect(await first.redis.smembers('ws_subs:31')).toEqual(['gw-alive:1']);
      expect(await first.redis.exists('ws_replica:gw-one')).toBe(0);
      expect(second.app.get(WsServer, { strict: false }).connectionCount).toBe(0);
    } finally {
      await first.close();
    }
  }, 30_000);
});
