import { aLiquidation, aSignal } from '@mdp/schemas/testing';
import {
  ActiveSignalRepository,
  DetectorStateRepository,
  LiquidationStoreRepository,
  PercentileThresholdRepository,
  type PercentileThreshold,
} from '@mdp/data-access-liquidation';
import { LiquidationRepository, LiquidationSignalRepository } from '@mdp/data-access-warm-store';
import { freePort, PrivateRedis } from '@mdp/testing';
import { UNDERCOUNT_NOTE } from '../src/liquidations/liquidation.views';
import { startGateway, type GatewayHarness } from './gateway.harness';

const T0 = 1_700_000_000_000;

async function json(response: Response): Promise<unknown> {
  return response.json();
}

function badRequest(message: string[] | string) {
  return { statusCode: 400, error: 'Bad Request', message };
}

describe('liquidation and signal routes', () => {
  let gateway: GatewayHarness;
  let key: string;
  const get = (path: string) => gateway.request(path, { key });

  beforeAll(async () => {
    gateway = await startGateway();
    key = await gateway.createKey();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('answers recent liquidations newest first, in full and compact records, with the undercount note', async () => {
    const store = new LiquidationStoreRepository(gateway.redis);
    const now = Date.now();
    const older = aLiquidation({ eventId: 'a', orderSide: 'sell', notionalUsd: 20_000, ts: now - 2_000 });
    const newer = aLiquidation({ eventId: 'b', orderSide: 'buy', notionalUsd: 30_000, ts: now - 1_000 });
    await store.storeBatch([older], 'normal');
    await store.storeBatch([newer], 'reduced');
    const response = await get(`/api/liquidations/recent?symbol=${older.symbol}&limit=5`);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      symbol: older.symbol,
      count: 2,
      liquidations: [
        {
          eventId: 'b',
          exchange: newer.exchange,
          symbol: newer.symbol,
          orderSide: 'buy',
          price: newer.price,
          size: newer.size,
          notionalUsd: 30_000,
          ts: newer.ts,
        },
        {
          eventId: 'a',
          exchange: older.exchange,
          symbol: older.symbol,
          orderSide: 'sell',
          price: older.price,
          size: older.size,
          notionalUsd: 20_000,
          ts: older.ts,
          positionSide: older.positionSide,
          priceKind: older.priceKind,
          completeness: older.completeness,
        },
      ],
      note: UNDERCOUNT_NOTE,
    });
    const one = (await json(await get(`/api/liquidations/recent?symbol=${older.symbol}&limit=1`))) as {
      liquidations: unknown[];
    };
    expect(one.liquidations).toHaveLength(1);
    expect(await json(await get('/api/liquidations/recent?symbol=NONE-USDT'))).toEqual({
      symbol: 'NONE-USDT',
      count: 0,
      liquidations: [],
      note: UNDERCOUNT_NOTE,
    });
  });

  it('answers statistics over the seed windows (minutes, and whole hours beyond 120)', async () => {
    const store = new LiquidationStoreRepository(gateway.redis);
    const now = Date.now();
    await store.storeBatch(
      [
        aLiquidation({
          symbol: 'ETH-USDT',
          base: 'ETH',
          eventId: 's1',
          orderSide: 'sell',
          notionalUsd: 10_000,
          ts: now,
        }),
        aLiquidation({
          symbol: 'ETH-USDT',
          base: 'ETH',
          eventId: 's2',
          orderSide: 'buy',
          notionalUsd: 4_000,
          ts: now,
        }),
        aLiquidation({
          symbol: 'ETH-USDT',
          base: 'ETH',
          eventId: 's3',
          orderSide: 'sell',
          notionalUsd: 6_000,
          ts: now,
        }),
      ],
      'normal',
    );
    const expected = {
      symbol: 'ETH-USDT',
      total_count: 3,
      total_volume: 20_000,
      buy_count: 1,
      buy_volume: 4_000,
      sell_count: 2,
      sell_volume: 16_000,
      note: UNDERCOUNT_NOTE,
    };
    expect(await json(await get('/api/liquidations/stats?symbol=ETH-USDT'))).toEqual({
      ...expected,
      window_minutes: 60,
    });
    expect(await json(await get('/api/liquidations/stats?symbol=ETH-USDT&window=5'))).toEqual({
      ...expected,
      window_minutes: 5,
    });
    expect(await json(await get('/api/liquidations/stats?symbol=ETH-USDT&window=1440'))).toEqual({
      ...expected,
      window_minutes: 1440,
    });
    expect(await json(await get('/api/liquidations/stats?symbol=SOL-USDT&window=15'))).toEqual({
      symbol: 'SOL-USDT',
      window_minutes: 15,
      total_count: 0,
      total_volume: 0,
      buy_count: 0,
      buy_volume: 0,
      sell_count: 0,
      sell_volume: 0,
      note: UNDERCOUNT_NOTE,
    });
  });

  it('refuses bad symbols, limits and windows with 400 naming the parameter', async () => {
    const cases: Array<[string, string[] | string]> = [
      [
        '/api/liquidations/recent',
        [
          'symbol must be a canonical symbol BASE-QUOTE such as BTC-USDT (A-Z 0-9 . _ -)',
          'symbol must be a string',
        ],
      ],
      [
        '/api/liquidations/recent?symbol=btc-usdt',
        ['symbol must be a canonical symbol BASE-QUOTE such as BTC-USDT (A-Z 0-9 . _ -)'],
      ],
      ['/api/liquidations/recent?symbol=BTC-USDT&limit=0', ['limit must not be less than 1']],
      ['/api/liquidations/recent?symbol=BTC-USDT&limit=1001', ['limit must not be greater than 1000']],
      [
        '/api/liquidations/recent?symbol=BTC-USDT&limit=abc',
        [
          'limit must not be greater than 1000',
          'limit must not be less than 1',
          'limit must be an integer number',
        ],
      ],
      ['/api/liquidations/stats?symbol=BTC-USDT&window=0', ['window must not be less than 1']],
      ['/api/liquidations/stats?symbol=BTC-USDT&window=1441', ['window must not be greater than 1440']],
      [
        '/api/liquidations/stats?symbol=BTC-USDT&window=150',
        'window above 120 minutes must be whole hours (a multiple of 60)',
      ],
      ['/api/liquidations/stats?symbol=BTC-USDT&extra=1', ['property extra should not exist']],
      ['/api/liquidations/history?symbol=BTC-USDT&start=5&end=4', 'start must not be after end'],
      [
        '/api/liquidations/thresholds/bad%20symbol',
        ['symbol must be a canonical symbol BASE-QUOTE such as BTC-USDT (A-Z 0-9 . _ -)'],
      ],
      [
        '/api/signals/active/x*',
        ['symbol must be a canonical symbol BASE-QUOTE such as BTC-USDT (A-Z 0-9 . _ -)'],
      ],
      ['/api/signals/recent?limit=0', ['limit must not be less than 1']],
      [
        '/api/signals/recent?symbol=',
        ['symbol must be a canonical symbol BASE-QUOTE such as BTC-USDT (A-Z 0-9 . _ -)'],
      ],
    ];
    for (const [path, message] of cases) {
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      const body = (await json(response)) as { message: string[] | string };
      const sorted = Array.isArray(body.message) ? [...body.message].sort() : body.message;
      expect({ path, body: { ...body, message: sorted } }).toEqual({
        path,
        body: badRequest(Array.isArray(message) ? [...message].sort() : message),
      });
    }
    const history = await get('/api/liquidations/history?symbol=BTC-USDT&start=x&end=1');
    expect(history.status).toBe(400);
    expect(((await json(history)) as { message: string[] }).message).toContain(
      'start must be an epoch time in milliseconds (a non-negative integer)',
    );
  });

  it('answers the percentile threshold of one symbol (404 without one) and of all symbols', async () => {
    const thresholds = new PercentileThresholdRepository(gateway.redis);
    const btc: PercentileThreshold = {
      symbol: 'BTC-USDT',
      percentile: 80,
      threshold: 52_000.5,
      samples: 140,
      minSamples: 100,
      applies: true,
      updatedAt: T0,
    };
    const doge: PercentileThreshold = {
      ...btc,
      symbol: 'DOGE-USDT',
      threshold: null,
      samples: 0,
      applies: false,
    };
    await thresholds.write([doge, btc], 60);
    const one = await get('/api/liquidations/thresholds/BTC-USDT');
    expect(one.status).toBe(200);
    expect(one.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json(one)).toEqual(btc);
    expect(await json(await get('/api/liquidations/thresholds'))).toEqual({ thresholds: [btc, doge] });
    const missing = await get('/api/liquidations/thresholds/SOL-USDT');
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no percentile threshold for SOL-USDT',
    });
  });

  it("answers the detector's counters and storage mode, with running false when it published none", async () => {
    await gateway.redis.flushdb();
    const state = new DetectorStateRepository(gateway.redis);
    expect(await json(await get('/api/liquidations/status'))).toEqual({
      running: false,
      counters: { processed: 0, filtered: 0, stored: 0, memory_rejections: 0, signals: 0 },
      storage: null,
      symbols: [],
      note: UNDERCOUNT_NOTE,
    });
    await state.addCounters({ processed: 10, filtered: 4, stored: 6, signals: 1 });
    const reading = {
      usedBytes: 1_000,
      maxBytes: 4_000,
      usedPct: 25,
      evictedKeys: 3,
      policy: 'volatile-ttl',
    };
    await state.writeStorageState({ ...reading, mode: 'reduced', updatedAt: T0 }, 30);
    await new LiquidationStoreRepository(gateway.redis).storeBatch(
      [aLiquidation({ ts: Date.now() })],
      'normal',
    );
    expect(await json(await get('/api/liquidations/status'))).toEqual({
      running: true,
      counters: { processed: 10, filtered: 4, stored: 6, memory_rejections: 0, signals: 1 },
      storage: { ...reading, mode: 'reduced', updatedAt: T0 },
      symbols: [aLiquidation().symbol],
      note: UNDERCOUNT_NOTE,
    });
  });

  it('answers history from the warm store, oldest first, truncated at limit', async () => {
    const rows = [0, 1, 2].map((i) =>
      aLiquidation({
        eventId: `h${i}`,
        ts: T0 + i * 1_000,
        recvTs: T0 + i * 1_000 + 7,
        completeness: 'sampled_1s',
      }),
    );
    await new LiquidationRepository(gateway.sql).insert(rows);
    const symbol = rows[0]!.symbol;
    const response = await get(
      `/api/liquidations/history?symbol=${symbol}&start=${T0}&end=${T0 + 2_000}&limit=2`,
    );
    expect(response.status).toBe(200);
    const view = (l: (typeof rows)[number]) => ({
      ts: l.ts,
      eventId: l.eventId,
      exchange: l.exchange,
      market: l.market,
      symbol: l.symbol,
      base: l.base,
      quote: l.quote,
      venueSymbol: l.venueSymbol,
      positionSide: l.positionSide,
      orderSide: l.orderSide,
      price: l.price,
      priceKind: l.priceKind,
      size: l.size,
      notionalUsd: l.notionalUsd,
      completeness: 'sampled_1s',
      backfill: false,
      recvTs: l.recvTs,
    });
    expect(await json(response)).toEqual({
      symbol,
      start: T0,
      end: T0 + 2_000,
      count: 2,
      truncated: true,
      liquidations: [view(rows[0]!), view(rows[1]!)],
      note: UNDERCOUNT_NOTE,
    });
    const all = (await json(
      await get(`/api/liquidations/history?symbol=${symbol}&start=${T0 + 1}&end=${T0 + 5_000}`),
    )) as { truncated: boolean; liquidations: Array<{ eventId: string }> };
    expect(all.truncated).toBe(false);
    expect(all.liquidations.map((l) => l.eventId)).toEqual(['h1', 'h2']);
  });

  it('answers active signals as stored (all, and one with 404 when none) and recent ones from the warm store', async () => {
    await gateway.redis.flushdb();
    const store = new LiquidationStoreRepository(gateway.redis);
    const signals = new ActiveSignalRepository(gateway.redis);
    const btc = aSignal({ symbol: 'BTC-USDT', signalId: 'sig:b', ts: T0 + 2 });
    const eth = aSignal({
      symbol: 'ETH-USDT',
      signalId: 'sig:e',
      side: 'sell',
      entryReason: 'liquidation_short',
      ts: T0 + 1,
    });
    await store.storeBatch(
      [
        aLiquidation({ symbol: 'ETH-USDT', base: 'ETH', ts: Date.now() }),
        aLiquidation({ symbol: 'BTC-USDT', ts: Date.now() }),
        aLiquidation({ symbol: 'SOL-USDT', base: 'SOL', ts: Date.now() }),
      ],
      'normal',
    );
    await signals.activate(eth, 60);
    await signals.activate(btc, 60);
    const all = await get('/api/signals/active');
    expect(all.status).toBe(200);
    expect(await all.text()).toBe(`[${JSON.stringify(btc)},${JSON.stringify(eth)}]`);
    const one = await get('/api/signals/active/ETH-USDT');
    expect(one.status).toBe(200);
    expect(await one.text()).toBe(JSON.stringify(eth));
    const none = await get('/api/signals/active/SOL-USDT');
    expect(none.status).toBe(404);
    expect(await json(none)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no active signal for SOL-USDT',
    });

    const older = aSignal({ symbol: 'BTC-USDT', signalId: 'sig:old', ts: T0 });
    await new LiquidationSignalRepository(gateway.sql).insert([older, eth, btc]);
    expect(await json(await get('/api/signals/recent'))).toEqual([btc, eth, older]);
    expect(await json(await get('/api/signals/recent?symbol=BTC-USDT&limit=1'))).toEqual([btc]);
    expect(await json(await get('/api/signals/recent?symbol=BTC-USDT'))).toEqual([btc, older]);
    expect(await json(await get('/api/signals/recent?symbol=XRP-USDT'))).toEqual([]);
  });

  it('documents every route in the OpenAPI document', async () => {
    const document = (await json(await gateway.request('/openapi.json'))) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/api/liquidations/recent',
      '/api/liquidations/stats',
      '/api/liquidations/thresholds',
      '/api/liquidations/thresholds/{symbol}',
      '/api/liquidations/status',
      '/api/liquidations/history',
      '/api/signals/active',
      '/api/signals/active/{symbol}',
      '/api/signals/recent',
    ])
      expect(Object.keys(document.paths)).toContain(path);
  });
});

describe('liquidation and signal routes during outages', () => {
  it('answer 503 while Redis is down', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const gateway = await startGateway({ redisUrl: redis.url, env: { REDIS_COMMAND_TIMEOUT_MS: '300' } });
    try {
      const key = await gateway.createKey();
      expect((await gateway.request('/api/liquidations/status', { key })).status).toBe(200);
      await redis.stop();
      for (const path of [
        '/api/liquidations/recent?symbol=BTC-USDT',
        '/api/liquidations/stats?symbol=BTC-USDT',
        '/api/liquidations/thresholds',
        '/api/liquidations/thresholds/BTC-USDT',
        '/api/liquidations/status',
        '/api/signals/active',
        '/api/signals/active/BTC-USDT',
      ]) {
        const response = await gateway.request(path, { key });
        expect({ path, status: response.status }).toEqual({ path, status: 503 });
        expect(await json(response)).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'redis is unavailable, retry shortly',
        });
      }
    } finally {
      await gateway.close();
      await redis.stop();
    }
  }, 30_000);

  it('answer 503 for history and recent signals while the read database is unreachable', async () => {
    const deadPort = await freePort();
    const gateway = await startGateway({
      env: {
        DATABASE_READ_URL: `postgres://postgres@127.0.0.1:${deadPort}/none`,
        DATABASE_TIMEOUT_MS: '1000',
      },
    });
    try {
      const key = await gateway.createKey();
      for (const path of ['/api/liquidations/history?symbol=BTC-USDT&start=0&end=1', '/api/signals/recent']) {
        const response = await gateway.request(path, { key });
        expect({ path, status: response.status }).toEqual({ path, status: 503 });
        expect(await json(response)).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'database is unavailable, retry shortly',
        });
      }
    } finally {
      await gateway.close();
    }
  }, 30_000);
});
