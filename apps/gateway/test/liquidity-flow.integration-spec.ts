import { FlowWindowAccumulator, type StoredFlowData } from '@mdp/domain-flow';
import { FLOW_TTL_SECONDS, flowIndexKey, flowSnapshotKey } from '@mdp/data-access-flow';
import { FLOW_WINDOWS, type FlowWindow } from '@mdp/schemas';
import { MAX_HISTORICAL_SNAPSHOTS } from '../src/flow/liquidity-flow.controller';
import { startGateway, type GatewayHarness } from './gateway.harness';

const T = 1_697_558_400_000; // a 4h boundary (so every window's boundary)
const WINDOW_MS: Record<FlowWindow, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
};

/** A realistic snapshot built by the domain's own window accumulator (seed 000 shape). */
function snapshot(coin: string, timeWindow: FlowWindow, timestamp: number, trades = 4): StoredFlowData {
  const window = new FlowWindowAccumulator(timestamp, WINDOW_MS[timeWindow], 5_000, 10, 100_000);
  for (let i = 0; i < trades; i++)
    window.addTrade(
      65_000 + i * 10,
      0.5 + i,
      (65_000 + i * 10) * (0.5 + i),
      i % 2 ? 'sell' : 'buy',
      timestamp + i * 1_000,
    );
  return {
    key: flowSnapshotKey(coin, timeWindow, timestamp),
    coin,
    timeWindow,
    timestamp,
    data: window.toFlowData(),
    expiresAt: 0,
  };
}

const METRIC_NAMES = [
  'totalBuyVolume',
  'totalSellVolume',
  'totalBuyNotional',
  'totalSellNotional',
  'netFlow',
  'flowDirection',
  'totalTrades',
  'buyTradeCount',
  'sellTradeCount',
  'avgTradeSize',
  'whaleTradeCount',
  'whaleBuyVolume',
  'whaleSellVolume',
  'whaleNetFlow',
  'totalLiquidations',
  'longLiquidations',
  'shortLiquidations',
  'totalLiquidationVolume',
  'highestBuyLevel',
  'highestSellLevel',
  'mostActivePrice',
  'volumeImbalance',
  'tradeImbalance',
  'whaleImbalance',
];

describe('gateway liquidity flow (seed 000)', () => {
  let gateway: GatewayHarness;
  let key: string;

  beforeAll(async () => {
    gateway = await startGateway();
    key = await gateway.createKey();
  });
  afterAll(async () => {
    await gateway?.close();
  });
  beforeEach(async () => {
    await gateway.redis.del(...(await gateway.redis.keys('liquidity-flow:*')), 'liquidity-flow:none');
  });

  async function store(data: unknown): Promise<Response> {
    return gateway.request('/api/liquidity-flow/store', { method: 'POST', key, json: data });
  }

  async function flowKeys(): Promise<string[]> {
    return (await gateway.redis.keys('liquidity-flow:*')).sort();
  }

  it('stores a snapshot with the TTL of its window, expiresAt = now + TTL, and indexes it', async () => {
    for (const timeWindow of FLOW_WINDOWS) {
      const data = snapshot('BTC', timeWindow, T);
      const before = Date.now();
      const response = await store(data);
      const after = Date.now();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ success: true });
      const ttl = await gateway.redis.ttl(data.key);
      expect(ttl).toBeGreaterThan(FLOW_TTL_SECONDS[timeWindow] - 5);
      expect(ttl).toBeLessThanOrEqual(FLOW_TTL_SECONDS[timeWindow]);
      const stored = JSON.parse((await gateway.redis.get(data.key))!) as StoredFlowData;
      expect(stored.expiresAt).toBeGreaterThanOrEqual(before + FLOW_TTL_SECONDS[timeWindow] * 1000);
      expect(stored.expiresAt).toBeLessThanOrEqual(after + FLOW_TTL_SECONDS[timeWindow] * 1000);
      expect(stored).toEqual({ ...data, expiresAt: stored.expiresAt });
      expect(await gateway.redis.zscore(flowIndexKey('BTC', timeWindow), data.key)).toBe(String(T));
    }
    expect([
      FLOW_TTL_SECONDS['1m'],
      FLOW_TTL_SECONDS['5m'],
      FLOW_TTL_SECONDS['15m'],
      FLOW_TTL_SECONDS['1h'],
      FLOW_TTL_SECONDS['4h'],
    ]).toEqual([3_600, 14_400, 43_200, 86_400, 604_800]);
  });

  it('refuses an invalid snapshot with 400 naming the field, and writes nothing', async () => {
    const valid = snapshot('ETH', '5m', T);
    const cases: Array<[unknown, string]> = [
      [
        { ...valid, key: 'liquidity-flow:ETH:1m:1697558400000' },
        'key: must be liquidity-flow:ETH:5m:1697558400000',
      ],
      [{ ...valid, key: 'flow:ETH:5m:1697558400000' }, 'key: '],
      [{ ...snapshot('SOL', '5m', T) }, 'coin: must be one of BTC, ETH, HYPE'],
      [{ ...valid, coin: 'eth' }, 'coin: '],
      [{ ...valid, timeWindow: '2m' }, 'timeWindow: '],
      [
        { ...valid, timestamp: T + 1, key: flowSnapshotKey('ETH', '5m', T + 1) },
        'timestamp: must be a 5m window boundary',
      ],
      [
        { ...valid, data: { ...valid.data, metrics: { ...valid.data.metrics, flowDirection: 'up' } } },
        'data.metrics.flowDirection',
      ],
      [
        { ...valid, data: { ...valid.data, metrics: { ...valid.data.metrics, totalTrades: -1 } } },
        'data.metrics.totalTrades',
      ],
      [
        { ...valid, data: { ...valid.data, nodes: [[65_000]] } },
        'data.nodes.0: must be a [price, node] pair',
      ],
      [
        { ...valid, data: { ...valid.data, timeSeries: [{ ...valid.data.timeSeries[0], price: 'x' }] } },
        'data.timeSeries.0.price',
      ],
      [{ ...valid, data: undefined }, 'data: '],
      [{ ...valid, expiresAt: -1 }, 'expiresAt: '],
      [[valid], 'body: must be an object'],
      ['text', 'body: must be an object'],
    ];
    for (const [body, reason] of cases) {
      const response = await store(body);
      expect(response.status).toBe(400);
      const error = (await response.json()) as { statusCode: number; error: string; message: string[] };
      expect(error.statusCode).toBe(400);
      expect(error.error).toBe('Bad Request');
      expect(error.message.join('\n')).toContain(reason);
    }
    const malformed = await gateway.request('/api/liquidity-flow/store', {
      method: 'POST',
      key,
      headers: { 'content-type': 'application/json' },
      body: '{"key":',
    });
    expect(malformed.status).toBe(400);
    expect(await flowKeys()).toEqual([]);
  });

  it('retrieves a snapshot exactly as stored, field by field', async () => {
    const data = snapshot('HYPE', '1m', T + 60_000);
    await store(data);
    const response = await gateway.request(
      `/api/liquidity-flow/retrieve?key=${encodeURIComponent(data.key)}`,
      { key },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await response.text();
    expect(text).toBe(await gateway.redis.get(data.key));
    const body = JSON.parse(text) as StoredFlowData;
    expect(Object.keys(body)).toEqual(['key', 'coin', 'timeWindow', 'timestamp', 'data', 'expiresAt']);
    expect(body.key).toBe('liquidity-flow:HYPE:1m:1697558460000');
    expect(body.coin).toBe('HYPE');
    expect(body.timeWindow).toBe('1m');
    expect(body.timestamp).toBe(1_697_558_460_000);
    expect(typeof body.expiresAt).toBe('number');
    expect(Object.keys(body.data)).toEqual(['nodes', 'metrics', 'timeSeries']);
    expect(Object.keys(body.data.metrics).sort()).toEqual([...METRIC_NAMES].sort());
    expect(body.data.metrics).toEqual(data.data.metrics);
    expect(body.data.metrics.totalTrades).toBe(4);
    expect(body.data.metrics.buyTradeCount).toBe(2);
    expect(body.data.metrics.sellTradeCount).toBe(2);
    expect(body.data.nodes.length).toBe(data.data.nodes.length);
    for (const [price, node] of body.data.nodes) {
      expect(node.price).toBe(price);
      expect(Object.keys(node).sort()).toEqual(
        [
          'price',
          'buyVolume',
          'sellVolume',
          'netFlow',
          'buyCount',
          'sellCount',
          'dominantSide',
          'whaleActivity',
          'liquidations',
          'timestamp',
        ].sort(),
      );
    }
    expect(body.data.nodes).toEqual(data.data.nodes);
    for (const point of body.data.timeSeries)
      expect(Object.keys(point).sort()).toEqual(
        ['timestamp', 'netFlow', 'buyVolume', 'sellVolume', 'whaleFlow', 'liquidationVolume', 'price'].sort(),
      );
    expect(body.data.timeSeries).toEqual(data.data.timeSeries);
  });

  it('answers 404 for a key with no snapshot and 400 for a malformed key', async () => {
    const missing = await gateway.request('/api/liquidity-flow/retrieve?key=liquidity-flow:BTC:5m:1', {
      key,
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no flow data under liquidity-flow:BTC:5m:1',
    });
    for (const query of [
      '',
      '?key=',
      '?key=liquidity-flow:BTC:2m:1',
      '?key=token:1',
      '?key=liquidity-flow:BTC:5m:index',
      '?key=liquidity-flow:BTC:5m:1&extra=1',
    ]) {
      const response = await gateway.request(`/api/liquidity-flow/retrieve${query}`, { key });
      expect(response.status).toBe(400);
      const message = ((await response.json()) as { message: string[] }).message.join('\n');
      expect(message).toMatch(query.includes('extra') ? /property extra should not exist/ : /^key /);
    }
  });

  it('answers historical ranges from the index, oldest first, inclusive, without expired entries', async () => {
    const stamps = [0, 1, 2, 3, 4].map((i) => T + i * 300_000);
    for (const stamp of [...stamps].reverse()) await store(snapshot('ETH', '5m', stamp));
    await store(snapshot('ETH', '1m', T));
    await store(snapshot('BTC', '5m', T));
    const query = (q: string) => gateway.request(`/api/liquidity-flow/historical?${q}`, { key });
    const response = await query(`coin=ETH&timeWindow=5m&start=${stamps[1]}&end=${stamps[3]}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('x-truncated')).toBeNull();
    const body = (await response.json()) as StoredFlowData[];
    expect(body.map((d) => d.key)).toEqual(stamps.slice(1, 4).map((s) => `liquidity-flow:ETH:5m:${s}`));
    expect(body[0]).toEqual(JSON.parse((await gateway.redis.get(flowSnapshotKey('ETH', '5m', stamps[1]!)))!));
    const empty = await query(`coin=HYPE&timeWindow=5m&start=0&end=${T}`);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('[]');
    await gateway.redis.del(flowSnapshotKey('ETH', '5m', stamps[0]!));
    const all = (await (
      await query(`coin=ETH&timeWindow=5m&start=0&end=${T * 2}`)
    ).json()) as StoredFlowData[];
    expect(all.map((d) => d.timestamp)).toEqual(stamps.slice(1));
    expect(await gateway.redis.zcard(flowIndexKey('ETH', '5m'))).toBe(4);
  });

  it(`bounds a historical answer to ${MAX_HISTORICAL_SNAPSHOTS} snapshots and says so in X-Truncated`, async () => {
    const pipeline = gateway.redis.pipeline();
    for (let i = 0; i <= MAX_HISTORICAL_SNAPSHOTS; i++) {
      const k = flowSnapshotKey('BTC', '1m', T + i * 60_000);
      pipeline.set(k, `{"i":${i}}`, 'EX', 60).zadd(flowIndexKey('BTC', '1m'), T + i * 60_000, k);
    }
    await pipeline.exec();
    const response = await gateway.request(
      `/api/liquidity-flow/historical?coin=BTC&timeWindow=1m&start=${T}&end=${T * 2}`,
      { key },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-truncated')).toBe('true');
    const body = (await response.json()) as Array<{ i: number }>;
    expect(body).toHaveLength(MAX_HISTORICAL_SNAPSHOTS);
    expect(body[0]).toEqual({ i: 0 });
    expect(body.at(-1)).toEqual({ i: MAX_HISTORICAL_SNAPSHOTS - 1 });
  });

  it('refuses bad historical parameters with 400 naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['timeWindow=5m&start=0&end=1', /^coin must be one of BTC, ETH, HYPE$/],
      ['coin=SOL&timeWindow=5m&start=0&end=1', /^coin must be one of BTC, ETH, HYPE$/],
      ['coin=BTC&timeWindow=2m&start=0&end=1', /^timeWindow must be one of 1m, 5m, 15m, 1h, 4h$/],
      ['coin=BTC&timeWindow=5m&start=abc&end=1', /^start must be an epoch time in milliseconds/],
      ['coin=BTC&timeWindow=5m&start=&end=1', /^start must be an epoch time in milliseconds/],
      ['coin=BTC&timeWindow=5m&start=-5&end=1', /^start must be an epoch time in milliseconds/],
      ['coin=BTC&timeWindow=5m&start=1.5&end=2', /^start must be an epoch time in milliseconds/],
      ['coin=BTC&timeWindow=5m&start=0', /^end must be an epoch time in milliseconds/],
      ['coin=BTC&timeWindow=5m&start=0&end=99999999999999999', /^end must be an epoch time in milliseconds/],
      ['coin=BTC&timeWindow=5m&start=2&end=1', /^start must not be after end$/],
    ];
    for (const [query, reason] of cases) {
      const response = await gateway.request(`/api/liquidity-flow/historical?${query}`, { key });
      expect(response.status).toBe(400);
      const { message } = (await response.json()) as { message: string | string[] };
      expect([message].flat().some((m) => reason.test(m))).toBe(true);
    }
  });

  it('deletes one snapshot and its index entry; 404 for an unknown key, 400 for a malformed one', async () => {
    const a = snapshot('BTC', '15m', T);
    const b = snapshot('BTC', '15m', T + 900_000);
    await store(a);
    await store(b);
    const del = (body: unknown) =>
      gateway.request('/api/liquidity-flow/delete', { method: 'DELETE', key, json: body });
    const deleted = await del({ key: a.key });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ success: true });
    expect(await flowKeys()).toEqual([b.key, flowIndexKey('BTC', '15m')].sort());
    expect(await gateway.redis.zrange(flowIndexKey('BTC', '15m'), 0, -1)).toEqual([b.key]);
    const again = await del({ key: a.key });
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: `no flow data under ${a.key}`,
    });
    for (const body of [{}, { key: 'token:1' }, { key: 5 }, { key: b.key, extra: true }]) {
      const response = await del(body);
      expect(response.status).toBe(400);
    }
    expect(await flowKeys()).toEqual([b.key, flowIndexKey('BTC', '15m')].sort());
  });

  it('clears every key of one coin; 404 for a coin that is not a flow coin', async () => {
    for (const data of [snapshot('BTC', '1m', T), snapshot('BTC', '4h', T), snapshot('ETH', '1m', T)])
      await store(data);
    const clear = (coin: string) =>
      gateway.request(`/api/liquidity-flow/clear/${coin}`, { method: 'DELETE', key });
    const cleared = await clear('BTC');
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({ success: true });
    expect(await flowKeys()).toEqual([flowSnapshotKey('ETH', '1m', T), flowIndexKey('ETH', '1m')].sort());
    expect((await clear('BTC')).status).toBe(200);
    const unknown = await clear('SOL');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'unknown coin SOL: the coins are BTC, ETH, HYPE',
    });
    expect((await clear('x'.repeat(40))).status).toBe(400);
    expect(await flowKeys()).toHaveLength(2);
  });

  it('needs an API key, and documents the five routes in the OpenAPI document', async () => {
    expect((await gateway.request('/api/liquidity-flow/retrieve?key=liquidity-flow:BTC:5m:1')).status).toBe(
      401,
    );
    const openapi = (await (await gateway.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(openapi.paths['/api/liquidity-flow/store']!)).toEqual(['post']);
    expect(Object.keys(openapi.paths['/api/liquidity-flow/retrieve']!)).toEqual(['get']);
    expect(Object.keys(openapi.paths['/api/liquidity-flow/historical']!)).toEqual(['get']);
    expect(Object.keys(openapi.paths['/api/liquidity-flow/delete']!)).toEqual(['delete']);
    expect(Object.keys(openapi.paths['/api/liquidity-flow/clear/{coin}']!)).toEqual(['delete']);
    const historical = JSON.stringify(openapi.paths['/api/liquidity-flow/historical']);
    for (const name of ['coin', 'timeWindow', 'start', 'end'])
      expect(historical).toContain(`"name":"${name}"`);
  });
});
