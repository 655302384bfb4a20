import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DetectorStateRepository } from '@mdp/data-access-liquidation';
import { freePort } from '@mdp/testing';
import { startGateway, type GatewayHarness } from './gateway.harness';
import type { SystemStatus } from '../src/status/system-status.service';

/** A stand-in service: /health/ready answers `status` with `body`. */
async function fakeService(status: number, body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    response.writeHead(request.url === '/health/ready' ? status : 404, {
      'content-type': 'application/json',
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe('GET /api/system/status and the web view files', () => {
  let gateway: GatewayHarness;
  const servers: Server[] = [];
  const webDir = mkdtempSync(path.join(tmpdir(), 'web-view-'));

  beforeAll(async () => {
    const up = await fakeService(200, '{"status":"ok"}');
    const failing = await fakeService(503, '{"status":"error","failing":["redis"]}');
    servers.push(up.server, failing.server);
    const nobody = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>web view</title>');
    writeFileSync(path.join(webDir, 'app.js'), 'void 0;');
    gateway = await startGateway({
      env: {
        ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000',
        STATUS_SERVICE_URLS: `ingestion=${up.url},flow-aggregator=${failing.url},warm-writer=${nobody}`,
        STATUS_HEALTH_TIMEOUT_MS: '500',
        WEB_VIEW_DIR: webDir,
      },
    });
  });

  afterAll(async () => {
    await gateway.close();
    for (const server of servers) server.close();
  });

  it("shows each service's readiness, every stream's group lag, Redis memory and the storage mode", async () => {
    const { redis } = gateway;
    for (let i = 0; i < 5; i++) await redis.xadd('stream:{trades}', '*', 'n', String(i));
    await redis.xgroup('CREATE', 'stream:{trades}', 'flow-aggregator', '0');
    await redis.xgroup('CREATE', 'stream:{trades}', 'liquidation-detector', '$');
    // flow-aggregator reads two entries and acknowledges one: lag 3, pending 1.
    const read = (await redis.xreadgroup(
      'GROUP',
      'flow-aggregator',
      'c1',
      'COUNT',
      '2',
      'STREAMS',
      'stream:{trades}',
      '>',
    )) as Array<[string, Array<[string, string[]]>]>;
    await redis.xack('stream:{trades}', 'flow-aggregator', read[0]![1][0]![0]);
    await new DetectorStateRepository(redis).writeStorageState(
      {
        mode: 'reduced',
        usedBytes: 10,
        maxBytes: 100,
        usedPct: 10,
        evictedKeys: 0,
        policy: 'noeviction',
        updatedAt: 1_700_000_000_000,
      },
      60,
    );

    const response = await gateway.request('/api/system/status');
    expect(response.status).toBe(200);
    const status = (await response.json()) as SystemStatus;
    expect(status.services.map(({ name, state, httpStatus }) => ({ name, state, httpStatus }))).toEqual([
      { name: 'ingestion', state: 'up', httpStatus: 200 },
      { name: 'flow-aggregator', state: 'degraded', httpStatus: 503 },
      { name: 'warm-writer', state: 'down', httpStatus: null },
    ]);
    expect(status.services[1]!.detail).toBe('{"status":"error","failing":["redis"]}');
    expect(status.services[2]!.detail).toBe('ECONNREFUSED');
    expect(status.streams.map((stream) => stream.stream)).toEqual([
      'stream:{trades}',
      'stream:{liquidations}',
      'stream:{ticks}',
      'stream:{gaps}',
      'stream:{candles}',
      'stream:{signals}',
      'stream:{flow-snapshots}',
      'stream:{token-updates}',
    ]);
    expect(status.streams[0]).toEqual({
      stream: 'stream:{trades}',
      length: 5,
      groups: [
        { group: 'flow-aggregator', lag: 3, pending: 1, consumers: 1 },
        { group: 'liquidation-detector', lag: 0, pending: 0, consumers: 0 },
      ],
    });
    expect(status.streams[1]).toEqual({ stream: 'stream:{liquidations}', length: 0, groups: [] });
    const info = await redis.info('memory');
    expect(status.redis.usedBytes).toBeGreaterThan(0);
    expect(status.redis.policy).toBe(/maxmemory_policy:(\S+)/.exec(info)![1]);
    expect(status.storage).toEqual({ mode: 'reduced', usedPct: 10, updatedAt: 1_700_000_000_000 });
  });

  it('storage is null while the detector is not reporting', async () => {
    await gateway.redis.flushdb();
    const status = (await (await gateway.request('/api/system/status')).json()) as SystemStatus;
    expect(status.storage).toBeNull();
  });

  it('is listed in the OpenAPI document', async () => {
    const document = (await (await gateway.request('/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toContain('/api/system/status');
  });

  it('serves the web view: / redirects to /app/, index.html and the bundle, nothing else', async () => {
    const root = await gateway.request('/', { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/app/']);
    const index = await gateway.request('/app/');
    expect([index.status, index.headers.get('content-type'), index.headers.get('cache-control')]).toEqual([
      200,
      'text/html; charset=utf-8',
      'no-cache',
    ]);
    expect(await index.text()).toBe('<!doctype html><title>web view</title>');
    const script = await gateway.request('/app/app.js');
    expect([script.status, script.headers.get('content-type'), await script.text()]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'void 0;',
    ]);
    for (const missing of ['/app/missing.css', '/app/..%2Fpackage.json', '/app/notes.txt'])
      expect([missing, (await gateway.request(missing)).status]).toEqual([missing, 404]);
  });
});
