import type { Socket } from 'node:net';
import { TokenUpdateStream } from '@mdp/schemas';
import { aTokenUpdate } from '@mdp/schemas/testing';
import { StreamPublisher } from '@mdp/transport';
import { WsServer } from '../src/realtime/ws.server';
import { startGateway, type GatewayHarness } from './gateway.harness';
import { WsTestClient } from './ws-test.client';

const HIGH_WATER = 256 * 1024;
const MAX_BUFFERED = 1024 * 1024;
/** One update of the flood, about 560 bytes. */
const NAME = 'N'.repeat(255);

describe('gateway WebSocket with a client that stops reading', () => {
  let gateway: GatewayHarness;

  beforeAll(async () => {
    gateway = await startGateway({
      env: {
        WS_HIGH_WATER_BYTES: String(HIGH_WATER),
        WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED),
        WS_SLOW_CLIENT_TIMEOUT_MS: '1500',
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('bounds what the gateway holds for it, closes it as too slow, and keeps serving a normal client', async () => {
    const key = await gateway.createKey();
    const slow = await WsTestClient.open(gateway.wsUrl, { key });
    const normal = await WsTestClient.open(gateway.wsUrl, { key });
    for (const client of [slow, normal])
      expect((await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 1 })).op).toBe(
        'subscribed',
      );
    const server = gateway.app.get(WsServer, { strict: false });
    const connection = server.connection(slow.connectionId)!;
    expect(connection).toBeDefined();
    // The client process stops reading: the kernel buffers fill, then the gateway's.
    (slow.ws as unknown as { _socket: Socket })._socket.pause();

    const publisher = new StreamPublisher(gateway.redis);
    let published = 0;
    let maxBuffered = 0;
    const deadline = Date.now() + 45_000;
    while (server.connection(slow.connectionId) !== undefined && Date.now() < deadline) {
      const batch = Array.from({ length: 200 }, (_, i) =>
        aTokenUpdate({ tokenId: 1, name: NAME, ts: 1_700_000_000_000 + published + i }),
      );
      await publisher.publish(TokenUpdateStream, batch);
      published += batch.length;
      maxBuffered = Math.max(maxBuffered, connection.socket.bufferedAmount);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(server.connection(slow.connectionId)).toBeUndefined();
    // Never more than the high-water mark plus one update was held for the slow client.
    expect(connection.peakBuffered).toBeGreaterThan(0);
    expect(Math.max(maxBuffered, connection.peakBuffered)).toBeLessThanOrEqual(HIGH_WATER + 1_024);
    expect(connection.closing).toBe(true);
    const metrics = await (await gateway.request('/metrics')).text();
    expect(metrics).toMatch(/gateway_ws_closed_slow_total [1-9]/);
    expect(metrics).toMatch(/gateway_ws_updates_dropped_total [1-9]/);

    // The normal client got every update, or was told how many it missed, and is still connected.
    const marker = aTokenUpdate({ tokenId: 1, name: 'marker', ts: 1 });
    await publisher.publish(TokenUpdateStream, marker);
    await normal.next(
      (message) => (message['data'] as { name?: string } | undefined)?.name === 'marker',
      20_000,
    );
    const received = normal.updates('tokens').length - 1;
    const dropped = normal.messages
      .filter((message) => message.op === 'dropped')
      .reduce((sum, message) => sum + (message['count'] as number), 0);
    expect(received + dropped).toBe(published);
    expect(received).toBeGreaterThan(published / 2);
    expect(normal.closeCode).toBeNull();
    expect((await normal.request({ op: 'ping' })).op).toBe('pong');

    // When the slow client reads again it finds its connection closed.
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    await slow.closed;
    expect([1013, 1006]).toContain(slow.closeCode);
    await normal.close();
  }, 90_000);
});

describe('gateway WebSocket with a client that falls behind and catches up', () => {
  let gateway: GatewayHarness;

  beforeAll(async () => {
    gateway = await startGateway({
      env: {
        WS_HIGH_WATER_BYTES: String(HIGH_WATER),
        WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED),
        WS_SLOW_CLIENT_TIMEOUT_MS: '30000',
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('drops its updates while it is behind, then counts them in one dropped notice and resumes', async () => {
    const key = await gateway.createKey();
    const client = await WsTestClient.open(gateway.wsUrl, { key });
    await client.request({ op: 'subscribe', channel: 'tokens', tokenId: 1 });
    const connection = gateway.app.get(WsServer, { strict: false }).connection(client.connectionId)!;
    const socket = (client.ws as unknown as { _socket: Socket })._socket;
    socket.pause();

    const publisher = new StreamPublisher(gateway.redis);
    let published = 0;
    const deadline = Date.now() + 30_000;
    // Flood until the gateway has dropped a good number of updates for it.
    while (connection.dropped < 1_000 && Date.now() < deadline) {
      const batch = Array.from({ length: 200 }, (_, i) =>
        aTokenUpdate({ tokenId: 1, name: NAME, ts: 1_700_000_000_000 + published + i }),
      );
      await publisher.publish(TokenUpdateStream, batch);
      published += batch.length;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(connection.dropped).toBeGreaterThanOrEqual(1_000);
    expect(connection.peakBuffered).toBeLessThanOrEqual(HIGH_WATER + 1_024);
    socket.resume();

    const notice = await client.next((message) => message.op === 'dropped', 20_000);
    const marker = aTokenUpdate({ tokenId: 1, name: 'marker', ts: 1 });
    await publisher.publish(TokenUpdateStream, marker);
    await client.next(
      (message) => (message['data'] as { name?: string } | undefined)?.name === 'marker',
      20_000,
    );
    const received = client.updates('tokens').length - 1;
    const notices = client.messages.filter((message) => message.op === 'dropped');
    const dropped = notices.reduce((sum, message) => sum + (message['count'] as number), 0);
    expect(notice['count'] as number).toBeGreaterThanOrEqual(1_000);
    expect(received + dropped).toBe(published);
    // The notice comes where the gap is: after the updates sent before it, before the ones after it.
    const noticeIndex = client.messages.indexOf(notice);
    expect(client.messages.slice(noticeIndex + 1).some((message) => message.channel === 'tokens')).toBe(true);
    expect(client.closeCode).toBeNull();
    expect(connection.closing).toBe(false);
    await client.close();
  }, 90_000);
});
