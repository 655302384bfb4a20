import { LiveCandleRepository } from '@mdp/data-access-flow';
import { WarmStoreMaintenanceRepository } from '@mdp/data-access-warm-store';
import type { CandleMessage } from '@mdp/schemas';
import { startGateway, type GatewayHarness } from './gateway.harness';

const DAY0 = Date.UTC(2023, 10, 14);
const MINUTE = 60_000;

function live(openTime: number, timeframe: CandleMessage['timeframe'] = '1m'): CandleMessage {
  return {
    symbol: 'BTC',
    exchange: 'all',
    timeframe,
    openTime,
    open: 100,
    high: 110.5,
    low: 99.25,
    close: 105,
    volume: 2.5,
    notionalUsd: 262.5,
    trades: 7,
    closed: false,
  };
}

describe('gateway candles', () => {
  let gateway: GatewayHarness;
  let key: string;

  beforeAll(async () => {
    gateway = await startGateway();
    key = await gateway.createKey();
    // Two hours of BTC 1m candles from DAY0 (minute m: open 1000 + m, volume 1 + m % 3, trades 10 + m).
    const values: string[] = [];
    for (let m = 0; m < 120; m++)
      values.push(
        `('${new Date(DAY0 + m * MINUTE).toISOString()}', 'BTC', 'all', ${1_000 + m}, ${1_002 + m}, ${999 + m}, ${1_001 + m}, ${1 + (m % 3)}, ${(1_000 + m) * 2}, ${10 + m})`,
      );
    await gateway.sql.query(
      `INSERT INTO candles_1m (time, symbol, exchange, open, high, low, close, volume, notional_usd, trades) VALUES ${values.join(',')}`,
    );
    await new WarmStoreMaintenanceRepository(gateway.sql).refreshCandleViews();
  }, 30_000);
  afterAll(async () => {
    await gateway?.close();
  });

  const get = (path: string) => gateway.request(path, { key });

  it('answers the newest candles of a range oldest first, field by field, with the live candle after them', async () => {
    await new LiveCandleRepository(gateway.redis).write([live(DAY0 + 120 * MINUTE)], () => 60_000);
    const response = await get(
      `/api/candles/BTC?timeframe=1m&start=${DAY0}&end=${DAY0 + 121 * MINUTE}&limit=2`,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      symbol: 'BTC',
      exchange: 'all',
      timeframe: '1m',
      candles: [118, 119].map((m) => ({
        symbol: 'BTC',
        exchange: 'all',
        openTime: DAY0 + m * MINUTE,
        open: 1_000 + m,
        high: 1_002 + m,
        low: 999 + m,
        close: 1_001 + m,
        volume: 1 + (m % 3),
        notionalUsd: (1_000 + m) * 2,
        trades: 10 + m,
        candles: 1,
      })),
      live: live(DAY0 + 120 * MINUTE),
    });
    // The live candle outside the range is left out.
    const before = (await (
      await get(`/api/candles/BTC?start=${DAY0}&end=${DAY0 + 60 * MINUTE}&limit=1`)
    ).json()) as {
      candles: Array<{ openTime: number }>;
      live: unknown;
    };
    expect(before.candles.map((c) => c.openTime)).toEqual([DAY0 + 59 * MINUTE]);
    expect(before.live).toBeNull();
  });

  it('answers larger timeframes from the aggregates', async () => {
    const fives = (await (
      await get(`/api/candles/BTC?timeframe=5m&start=${DAY0}&end=${DAY0 + 10 * MINUTE}`)
    ).json()) as {
      candles: Array<Record<string, number>>;
    };
    expect(fives.candles).toHaveLength(2);
    expect(fives.candles[0]).toMatchObject({
      openTime: DAY0,
      open: 1_000,
      high: 1_006,
      low: 999,
      close: 1_005,
      volume: 1 + 2 + 3 + 1 + 2,
      trades: 10 + 11 + 12 + 13 + 14,
      candles: 5,
    });
    const hours = (await (
      await get(`/api/candles/BTC?timeframe=1h&start=${DAY0}&end=${DAY0 + 24 * 60 * MINUTE}`)
    ).json()) as {
      candles: Array<{ openTime: number; candles: number }>;
    };
    expect(hours.candles.map((c) => [c.openTime, c.candles])).toEqual([
      [DAY0, 60],
      [DAY0 + 60 * MINUTE, 60],
    ]);
    const none = await (await get(`/api/candles/ETH?start=${DAY0}&end=${DAY0 + MINUTE}`)).json();
    expect(none).toEqual({ symbol: 'ETH', exchange: 'all', timeframe: '1m', candles: [], live: null });
  });

  it('serves the candle in progress at /live; 404 when there is none', async () => {
    const now = Math.floor(Date.now() / 300_000) * 300_000;
    await new LiveCandleRepository(gateway.redis).write([live(now, '5m')], () => 60_000);
    const response = await get('/api/candles/BTC/live?timeframe=5m');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(live(now, '5m'));
    const recent = (await (await get('/api/candles/BTC?timeframe=5m')).json()) as {
      candles: unknown[];
      live: unknown;
    };
    expect(recent).toEqual({
      symbol: 'BTC',
      exchange: 'all',
      timeframe: '5m',
      candles: [],
      live: live(now, '5m'),
    });
    const missing = await get('/api/candles/BTC/live?timeframe=4h');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no 4h candle in progress for BTC',
    });
  });

  it('refuses bad parameters with 400 naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/candles/btc', /^symbol must be an upper-case symbol/],
      ['/api/candles/BTC?timeframe=2m', /^timeframe must be one of 1m, 5m, 15m, 1h, 4h, 1d$/],
      ['/api/candles/BTC?start=5&end=5', /^start must be before end$/],
      ['/api/candles/BTC?start=x', /^start must be an epoch time/],
      ['/api/candles/BTC?limit=0', /^limit must not be less than 1$/],
      ['/api/candles/BTC?limit=5001', /^limit must not be greater than 5000$/],
      ['/api/candles/BTC?exchange=ALL', /^exchange must be a venue id/],
      ['/api/candles/BTC/live?timeframe=1w', /^timeframe must be one of/],
    ];
    for (const [path, reason] of cases) {
      const response = await get(path);
      expect(response.status).toBe(400);
      const { message } = (await response.json()) as { message: string | string[] };
      expect([message].flat().some((m) => reason.test(m))).toBe(true);
    }
    const openapi = (await (await gateway.request('/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(openapi.paths['/api/candles/{symbol}']).toBeDefined();
    expect(openapi.paths['/api/candles/{symbol}/live']).toBeDefined();
  });
});
