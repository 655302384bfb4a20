import type Redis from 'ioredis';
import {
  GapStream,
  LiquidationStream,
  TickStream,
  TradeStream,
  type GapMessage,
  type TickMessage,
  type TradeMessage,
} from '@mdp/schemas';
import { createTestRedis, waitFor } from '@mdp/testing';
import { VenueConnector } from '../src/connectors/venue.connector';
import { tickLatestKey } from '../src/publishing/ingestion-keys';
import { counterValue, readStream, startIngestion, type RunningIngestion } from './ingestion-harness';
import { VenueStandIn } from './venue-stand-in';

const aapl = {
  exchange: 'alpaca',
  market: 'stock',
  symbol: 'AAPL-USD',
  base: 'AAPL',
  quote: 'USD',
  venueSymbol: 'AAPL',
} as const;

describe(`${VenueConnector.name} for Alpaca market data`, () => {
  let redis: Redis;
  let venue: VenueStandIn;
  let ingestion: RunningIngestion | null = null;

  beforeEach(async () => {
    redis = await createTestRedis();
    venue = await VenueStandIn.start();
  });

  afterEach(async () => {
    await ingestion?.close();
    ingestion = null;
    await venue.close();
    await redis.quit();
  });

  it('authenticates, subscribes trades and quotes, infers the aggressor side from the quote, and re-authenticates after a drop and after silence', async () => {
    const actions: Array<Record<string, unknown>> = [];
    venue.onConnect = () => [JSON.stringify([{ T: 'success', msg: 'connected' }])];
    venue.onMessage = (text) => {
      const message = JSON.parse(text) as Record<string, unknown>;
      actions.push(message);
      if (message['action'] === 'auth') {
        return message['key'] === 'key-id' && message['secret'] === 'secret'
          ? [JSON.stringify([{ T: 'success', msg: 'authenticated' }])]
          : [JSON.stringify([{ T: 'error', code: 402, msg: 'auth failed' }])];
      }
      if (message['action'] === 'subscribe') {
        return [
          JSON.stringify([
            { T: 'subscription', trades: message['trades'], quotes: message['quotes'], bars: [] },
          ]),
        ];
      }
      return [];
    };
    const errorsBefore = await counterValue('mdp_ingestion_parse_errors_total', { venue: 'alpaca' });
    ingestion = await startIngestion({
      INGESTION_SOURCE: 'live',
      INGESTION_VENUES: 'alpaca',
      INGESTION_STOCK_SYMBOLS: 'AAPL',
      INGESTION_ALPACA_WS_URL: venue.url,
      INGESTION_ALPACA_KEY_ID: 'key-id',
      INGESTION_ALPACA_SECRET_KEY: 'secret',
      INGESTION_BACKOFF_BASE_MS: '20',
      INGESTION_BACKOFF_MAX_MS: '100',
      INGESTION_HEARTBEAT_MS: '50',
      INGESTION_SILENCE_MS: '500',
    });

    await waitFor('the subscription', () => actions.length === 2);
    expect(actions).toEqual([
      { action: 'auth', key: 'key-id', secret: 'secret' },
      { action: 'subscribe', trades: ['AAPL'], quotes: ['AAPL'] },
    ]);
    venue.send([
      {
        T: 'q',
        S: 'AAPL',
        bx: 'V',
        bp: 150.1,
        bs: 3,
        ax: 'V',
        ap: 150.3,
        as: 2,
        t: '2024-05-09T14:30:00.123456789Z',
        c: ['R'],
        z: 'C',
      },
    ]);
    venue.send([
      {
        T: 't',
        S: 'AAPL',
        i: 52983525029461,
        x: 'V',
        p: 150.3,
        s: 100,
        t: '2024-05-09T14:30:00.200000000Z',
        c: ['@'],
        z: 'C',
      },
      {
        T: 't',
        S: 'AAPL',
        i: 52983525029462,
        x: 'V',
        p: 150.12,
        s: 5,
        t: '2024-05-09T14:30:00.300Z',
        c: ['@', 'I'],
        z: 'C',
      },
    ]);
    venue.send([{ T: 'n', S: 'AAPL' }]);
    await waitFor('two trades', async () => (await readStream(redis, TradeStream)).length === 2);

    venue.drop();
    await waitFor('re-authentication and resubscription', () => actions.length === 4);
    venue.send([
      {
        T: 't',
        S: 'AAPL',
        i: 52983525029470,
        x: 'V',
        p: 150.5,
        s: 10,
        t: '2024-05-09T14:30:01Z',
        c: ['@'],
        z: 'C',
      },
    ]);
    await waitFor('three trades', async () => (await readStream(redis, TradeStream)).length === 3);
    // Then nothing more arrives (WebSocket pongs do not count as data): stale, reconnected, re-authenticated.
    await waitFor('a reconnect after silence', () => actions.length === 6, { timeoutMs: 5_000 });
    expect(venue.sessions).toHaveLength(3);
    await ingestion.close();
    ingestion = null;

    const ts0 = Date.parse('2024-05-09T14:30:00.200Z');
    expect(await readStream<TradeMessage>(redis, TradeStream)).toEqual([
      {
        ...aapl,
        tradeId: 'V:52983525029461',
        price: 150.3,
        size: 100,
        notionalUsd: 150.3 * 100,
        side: 'buy',
        ts: ts0,
        recvTs: expect.any(Number) as number,
      },
      {
        ...aapl,
        tradeId: 'V:52983525029462',
        price: 150.12,
        size: 5,
        notionalUsd: 150.12 * 5,
        side: 'sell',
        ts: ts0 + 100,
        recvTs: expect.any(Number) as number,
      },
      // A new session knows no quote yet: the tick rule decides (first print: buy).
      {
        ...aapl,
        tradeId: 'V:52983525029470',
        price: 150.5,
        size: 10,
        notionalUsd: 150.5 * 10,
        side: 'buy',
        ts: ts0 + 800,
        recvTs: expect.any(Number) as number,
      },
    ]);
    const ticks = await readStream<TickMessage>(redis, TickStream);
    // The quote's bid/ask stay on the ticks that trades move; one tick per 100 ms of venue time.
    const quote = { bid: 150.1, ask: 150.3, bidSize: 3, askSize: 2 };
    const recvTs = expect.any(Number) as number;
    expect(ticks).toEqual([
      { ...aapl, ...quote, last: 150.2, ts: ts0 - 77, recvTs },
      { ...aapl, ...quote, last: 150.3, ts: ts0, recvTs },
      { ...aapl, ...quote, last: 150.12, ts: ts0 + 100, recvTs },
      { ...aapl, ...quote, last: 150.5, ts: ts0 + 800, recvTs },
    ]);
    expect(await redis.hgetall(tickLatestKey('AAPL-USD'))).toEqual({
      ...aapl,
      bid: '150.1',
      ask: '150.3',
      bidSize: '3',
      askSize: '2',
      last: '150.5',
      ts: String(ts0 + 800),
      recvTs: expect.any(String) as string,
    });
    expect(await readStream(redis, LiquidationStream)).toEqual([]);
    expect(await counterValue('mdp_ingestion_parse_errors_total', { venue: 'alpaca' })).toBe(
      errorsBefore + 1,
    );
    expect(
      (await readStream<GapMessage>(redis, GapStream)).map((gap) => [gap.kind, gap.venueSymbol]),
    ).toEqual([
      ['disconnect', 'AAPL'],
      ['disconnect', 'AAPL'],
    ]);
  });
});
