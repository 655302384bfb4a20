import type Redis from 'ioredis';
import {
  GapStream,
  LiquidationStream,
  TradeStream,
  type GapMessage,
  type LiquidationMessage,
  type TradeMessage,
} from '@mdp/schemas';
import { HealthRegistry } from '@mdp/platform';
import { createTestRedis, waitFor } from '@mdp/testing';
import { tickLatestKey, tickUpdateChannel } from '../src/publishing/ingestion-keys';
import { VenueConnector } from '../src/connectors/venue.connector';
import { counterValue, readStream, startIngestion, type RunningIngestion } from './ingestion-harness';
import { HttpStandIn, VenueStandIn } from './venue-stand-in';

const T = 1_700_000_000_000;
const aggTrade = (a: number, p: string, q: string, m: boolean, t = T + a) => ({
  e: 'aggTrade',
  E: t + 1,
  s: 'BTCUSDT',
  a,
  p,
  q,
  f: a * 10,
  l: a * 10 + 2,
  T: t,
  m,
});
const btc = {
  exchange: 'binance',
  market: 'perp',
  symbol: 'BTC-USDT',
  base: 'BTC',
  quote: 'USDT',
  venueSymbol: 'BTCUSDT',
} as const;

describe(`${VenueConnector.name} for Binance USD-M futures`, () => {
  let redis: Redis;
  let subscriber: Redis;
  let venue: VenueStandIn;
  let history: HttpStandIn;
  let ingestion: RunningIngestion | null = null;

  beforeEach(async () => {
    redis = await createTestRedis();
    subscriber = redis.duplicate();
    venue = await VenueStandIn.start();
    history = await HttpStandIn.start((url) => {
      if (url.pathname !== '/fapi/v1/aggTrades' || url.searchParams.get('symbol') !== 'BTCUSDT')
        return undefined;
      const from = Number(url.searchParams.get('fromId'));
      const limit = Number(url.searchParams.get('limit'));
      return [102, 103, 104]
        .filter((a) => a >= from)
        .slice(0, limit)
        .map((a) => ({
          a,
          p: `6500${a - 100}.5`,
          q: '0.010',
          f: a * 10,
          l: a * 10,
          T: T + a,
          m: a % 2 === 0,
        }));
    });
  });

  afterEach(async () => {
    await ingestion?.close();
    ingestion = null;
    await venue.close();
    await history.close();
    subscriber.disconnect();
    await redis.quit();
  });

  it('subscribes, answers pings, normalizes trades and forceOrders, skips bad frames, reconnects, and detects and backfills an id gap', async () => {
    const subscribes: string[] = [];
    venue.onMessage = (text) => {
      const message = JSON.parse(text) as { method?: string; id?: number };
      if (message.method === 'SUBSCRIBE') {
        subscribes.push(text);
        return [JSON.stringify({ result: null, id: message.id })];
      }
      return [];
    };
    const notices: Array<{ last: number }> = [];
    await subscriber.subscribe(tickUpdateChannel('BTC-USDT'));
    subscriber.on('message', (_channel: string, message: string) =>
      notices.push(JSON.parse(message) as { last: number }),
    );
    const errorsBefore = await counterValue('mdp_ingestion_parse_errors_total', { venue: 'binance' });
    const silentBefore = await counterValue('mdp_ingestion_reconnects_total', {
      venue: 'binance',
      reason: 'silent',
    });

    ingestion = await startIngestion({
      INGESTION_SOURCE: 'live',
      INGESTION_VENUES: 'binance',
      INGESTION_SYMBOLS: 'BTC',
      INGESTION_BINANCE_WS_URL: venue.url,
      INGESTION_BINANCE_REST_URL: history.url,
      INGESTION_BACKOFF_BASE_MS: '20',
      INGESTION_BACKOFF_MAX_MS: '100',
      INGESTION_HEARTBEAT_MS: '100',
      INGESTION_SILENCE_MS: '600',
    });
    const logs = ingestion.logs;

    // Session 1: handshake, a venue ping, two trades, a malformed and an unknown frame, a liquidation.
    await waitFor('the subscription', () => subscribes.length === 1);
    expect(JSON.parse(subscribes[0]!)).toEqual({
      method: 'SUBSCRIBE',
      params: ['btcusdt@aggTrade', 'btcusdt@forceOrder'],
      id: 1,
    });
    venue.current.socket.ping();
    await waitFor('the pong', () => venue.current.pongs >= 1);
    venue.send(aggTrade(100, '65000.5', '0.250', false));
    venue.send(aggTrade(101, '65001.0', '1.5', true));
    venue.send('{"e":"aggTrade","s":"BTCUSDT","a":');
    venue.send({ e: 'markPriceUpdate', E: T, s: 'BTCUSDT', p: '65000' });
    venue.send({
      e: 'forceOrder',
      E: T + 500,
      o: {
        s: 'BTCUSDT',
        S: 'SELL',
        o: 'LIMIT',
        f: 'IOC',
        q: '0.014',
        p: '64900',
        ap: '64910.2',
        X: 'FILLED',
        l: '0.014',
        z: '0.014',
        T: T + 499,
      },
    });
    await waitFor(
      'two trades in the stream',
      async () => (await readStream(redis, TradeStream)).length === 2,
    );

    // The connection drops; the connector reconnects and resubscribes; the venue resends trade 101
    // and jumps to 105, so 102..104 are missing and fetched from REST history.
    venue.drop();
    await waitFor('the resubscription', () => subscribes.length === 2);
    venue.send(aggTrade(101, '65001.0', '1.5', true));
    venue.send(aggTrade(105, '65010.0', '0.5', false));
    venue.send({
      e: 'forceOrder',
      E: T + 900,
      o: {
        s: 'BTCUSDT',
        S: 'BUY',
        o: 'LIMIT',
        f: 'IOC',
        q: '2',
        p: '65100',
        ap: '65050',
        X: 'FILLED',
        l: '2',
        z: '2',
        T: T + 899,
      },
    });
    await waitFor('the backfilled gap', async () =>
      (await readStream<GapMessage>(redis, GapStream)).some((gap) => gap.backfilled),
    );

    // Then the feed goes silent: the connector notices and reconnects.
    await waitFor('a reconnect after silence', () => subscribes.length === 3, { timeoutMs: 5_000 });
    expect(await counterValue('mdp_ingestion_reconnects_total', { venue: 'binance', reason: 'silent' })).toBe(
      silentBefore + 1,
    );
    const registry = ingestion.app.get(HealthRegistry);
    await waitFor('the connector to be up again', async () => (await registry.run()).ok);
    const coverage = ingestion.service.coverage();
    await ingestion.close();
    ingestion = null;

    const trades = (await readStream<TradeMessage>(redis, TradeStream)).sort(
      (a, b) => Number(a.tradeId) - Number(b.tradeId),
    );
    const trade = (
      tradeId: number,
      price: number,
      size: number,
      side: 'buy' | 'sell',
      backfill = false,
    ): TradeMessage => ({
      ...btc,
      tradeId: String(tradeId),
      price,
      size,
      notionalUsd: price * size,
      side,
      ts: T + tradeId,
      recvTs: expect.any(Number) as number,
      ...(backfill ? { backfill: true } : {}),
    });
    expect(trades).toEqual([
      trade(100, 65000.5, 0.25, 'buy'),
      trade(101, 65001, 1.5, 'sell'),
      trade(102, 65002.5, 0.01, 'sell', true),
      trade(103, 65003.5, 0.01, 'buy', true),
      trade(104, 65004.5, 0.01, 'sell', true),
      trade(105, 65010, 0.5, 'buy'),
    ]);
    expect(history.requests).toEqual(['/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=102&limit=3']);

    expect(await readStream<LiquidationMessage>(redis, LiquidationStream)).toEqual([
      {
        ...btc,
        eventId: `binance:BTCUSDT:${T + 499}:SELL:0.014`,
        positionSide: 'long',
        orderSide: 'sell',
        price: 64910.2,
        priceKind: 'average_fill',
        size: 0.014,
        notionalUsd: 64910.2 * 0.014,
        completeness: 'sampled_1s',
        ts: T + 499,
        recvTs: expect.any(Number) as number,
      },
      {
        ...btc,
        eventId: `binance:BTCUSDT:${T + 899}:BUY:2`,
        positionSide: 'short',
        orderSide: 'buy',
        price: 65050,
        priceKind: 'average_fill',
        size: 2,
        notionalUsd: 130100,
        completeness: 'sampled_1s',
        ts: T + 899,
        recvTs: expect.any(Number) as number,
      },
    ]);

    const gaps = await readStream<GapMessage>(redis, GapStream);
    const idGap = {
      exchange: 'binance',
      venueSymbol: 'BTCUSDT',
      kind: 'trade_id',
      fromId: '102',
      toId: '104',
      fromTs: T + 101,
      toTs: T + 105,
    };
    expect(gaps.filter((gap) => gap.kind === 'trade_id')).toEqual([
      { ...idGap, backfilled: false },
      { ...idGap, backfilled: true },
    ]);
    const disconnects = gaps.filter((gap) => gap.kind === 'disconnect');
    expect(disconnects).toHaveLength(2);
    for (const gap of disconnects) {
      expect(gap).toEqual({
        exchange: 'binance',
        venueSymbol: 'BTCUSDT',
        kind: 'disconnect',
        fromTs: expect.any(Number) as number,
        toTs: expect.any(Number) as number,
        backfilled: false,
      });
      expect(gap.toTs).toBeGreaterThanOrEqual(gap.fromTs);
    }

    // Coverage: three sessions, the first two closed where the disconnect gaps begin.
    expect(coverage).toEqual([
      {
        venue: 'binance',
        state: 'connected',
        sessions: 3,
        coverage: [expect.any(Object), expect.any(Object), expect.any(Object)],
      },
    ]);
    expect(coverage[0]!.coverage.map((interval) => interval.to === null)).toEqual([false, false, true]);
    expect(disconnects.map((gap) => gap.fromTs)).toEqual(
      coverage[0]!.coverage.slice(0, 2).map((interval) => interval.to),
    );

    // The two bad frames were counted, logged with the venue and a sample, and reached no stream.
    expect(await counterValue('mdp_ingestion_parse_errors_total', { venue: 'binance' })).toBe(
      errorsBefore + 2,
    );
    expect(
      logs
        .filter((line) => line['msg'] === 'frame skipped')
        .map((line) => [line['venue'], line['reason'], line['sample']]),
    ).toEqual([
      ['binance', 'not JSON', '{"e":"aggTrade","s":"BTCUSDT","a":'],
      [
        'binance',
        'unknown event "markPriceUpdate"',
        JSON.stringify({ e: 'markPriceUpdate', E: T, s: 'BTCUSDT', p: '65000' }),
      ],
    ]);

    // tick:latest follows the newest trade (105), not the older backfilled ones; every update was notified.
    expect(await redis.hgetall(tickLatestKey('BTC-USDT'))).toEqual({
      ...btc,
      last: '65010',
      ts: String(T + 105),
      recvTs: expect.any(String) as string,
    });
    expect(await redis.pttl(tickLatestKey('BTC-USDT'))).toBeGreaterThan(0);
    await waitFor('the last notification', () => notices.some((notice) => notice.last === 65010));
    expect(notices[notices.length - 1]).toMatchObject({ ...btc, last: 65010, ts: T + 105 });
  });
});
