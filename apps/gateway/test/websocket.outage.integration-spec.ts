import { TokenUpdateStream } from '@mdp/schemas';
import { aSignal, aTokenUpdate } from '@mdp/schemas/testing';
import { ActiveSignalRepository } from '@mdp/data-access-liquidation';
import { freePort, PrivateRedis } from '@mdp/testing';
import { StreamPublisher } from '@mdp/transport';
import { startGateway, type GatewayHarness } from './gateway.harness';
import { WsTestClient } from './ws-test.client';

describe('gateway WebSocket through a Redis outage', () => {
  let redis: PrivateRedis;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    gateway = await startGateway({
      redisUrl: redis.url,
      env: {
        REDIS_COMMAND_TIMEOUT_MS: '300',
        WS_READ_BLOCK_MS: '200',
        WS_REPLICA_TTL_S: '3',
        WS_REPLICA_ID: 'gw-outage',
        API_KEY_CACHE_TTL_MS: '60000',
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await redis?.stop();
  });

  it('keeps the connection, tells the client about the gap, resumes delivery and restores ws_subs', async () => {
    const key = await gateway.createKey();
    const client = await WsTestClient.open(gateway.wsUrl, { key });
    await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 1 });
    await client.request({ op: 'subscribe', channel: 'signals', symbol: '*' });
    const publisher = new StreamPublisher(gateway.redis);
    await publisher.publish(TokenUpdateStream, aTokenUpdate({ tokenId: 1, ts: 1 }));
    await client.next((message) => message.channel === 'tokens');
    expect(await gateway.redis.smembers('ws_subs:1')).toEqual([client.connectionId]);

    const before = Date.now();
    await redis.stop();
    // Meanwhile a new connection is refused with 503 before the upgrade (the rate limit needs Redis).
    const refusal = await WsTestClient.refusal(gateway.wsUrl, { key });
    expect(refusal).toMatchObject({
      status: 503,
      body: { statusCode: 503, message: 'redis is unavailable, retry shortly' },
    });
    expect(refusal.headers['retry-after']).toBe('1');
    // The open connection stays usable.
    expect((await client.request({ op: 'ping' })).op).toBe('pong');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.start(); // empty: no persistence

    const tokensGap = await client.next(
      (message) => message.op === 'gap' && message.channel === 'tokens',
      15_000,
    );
    expect(tokensGap['reason']).toBe('Redis was unavailable: updates may have been missed');
    expect(tokensGap['from'] as number).toBeGreaterThanOrEqual(before);
    expect(tokensGap['to'] as number).toBeGreaterThan(tokensGap['from'] as number);
    const signalsGap = await client.next(
      (message) => message.op === 'gap' && message.channel === 'signals',
      15_000,
    );
    expect(signalsGap['reason']).toBe('Redis was unavailable: signals may have been missed');

    const after = aTokenUpdate({ tokenId: 1, ts: 2 });
    await publisher.publish(TokenUpdateStream, after);
    expect(await client.next((message) => message.channel === 'tokens')).toEqual({
      channel: 'tokens',
      tokenId: 1,
      data: after,
    });
    const signal = aSignal({ signalId: 'after-outage' });
    await new ActiveSignalRepository(gateway.redis).activate(signal, 60);
    expect(await client.next((message) => message.channel === 'signals')).toMatchObject({ data: signal });

    // Redis came back empty: the replica's heartbeat restores its members.
    const deadline = Date.now() + 5_000;
    while ((await gateway.redis.smembers('ws_subs:1')).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await gateway.redis.smembers('ws_subs:1')).toEqual([client.connectionId]);
    expect(await gateway.redis.exists('ws_replica:gw-outage')).toBe(1);
    await client.close();
  }, 60_000);
});
