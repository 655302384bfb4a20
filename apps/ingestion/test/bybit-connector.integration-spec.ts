import type Redis from 'ioredis';
import {
  GapStream,
  LiquidationStream,
  TradeStream,
  type GapMessage,
  type LiquidationMessage,
  type TradeMessage,
} from '@mdp/schemas';
import { createTestRedis, waitFor } from '@mdp/testing';
import { VenueConnector } from '../src/connectors/venue.connector';
import { counterValue, readStream, startIngestion, type RunningIngestion } from './ingestion-harness';
import { VenueStandIn } from './venue-stand-in';

const T = 1_700_000_000_000;
const btc = {
  exchange: 'bybit',
  market: 'perp',
  symbol: 'BTC-USDT',
  base: 'BTC',
  quote: 'USDT',
  venueSymbol: 'BTCUSDT',
} as const;
const publicTrade = (trades: Array<{ i: string; S: 'Buy' | 'Sell'; p: string; v: string; T: number }>) => ({
  topic: 'publicTrade.BTCUSDT',
  type: 'snapshot',
  ts: T + 1_000,
  data: trades.map((trade) => ({ ...trade, s: 'BTCUSDT', L: 'PlusTick', BT: false, RPI: false })),
});

describe(`${VenueConnector.name} for Bybit v5`, () => {
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

  it('subscribes, pings, reads Buy in allLiquidation as a liquidated long at the bankruptcy price, skips a bad frame and reconnects', async () => {
    let answerPings = true;
    let pings = 0;
    const subscribes: unknown[] = [];
    venue.onMessage = (text) => {
      const message = JSON.parse(text) as { op: string; args?: string[] };
      if (message.op === 'ping') {
        pings += 1;
        return answerPings
          ? [JSON.stringify({ success: true, ret_msg: 'pong', conn_id: 'c1', op: 'ping' })]
          : [];
      }
      if (message.op === 'subscribe') {
        subscribes.push(message.args);
        return [JSON.stringify({ success: true, ret_msg: '', conn_id: 'c1', req_id: '', op: 'subscribe' })];
      }
      return [];
    };
    const errorsBefore = await counterValue('mdp_ingestion_parse_errors_total', { venue: 'bybit' });
    ingestion = await startIngestion({
      INGESTION_SOURCE: 'live',
      INGESTION_VENUES: 'bybit',
      INGESTION_SYMBOLS: 'BTC',
      INGESTION_BYBIT_WS_URL: venue.url,
      INGESTION_BACKOFF_BASE_MS: '20',
      INGESTION_BACKOFF_MAX_MS: '100',
      INGESTION_HEARTBEAT_MS: '50',
      INGESTION_SILENCE_MS: '500',
    });

    await waitFor('the subscription', () => subscribes.length === 1);
    expect(subscribes[0]).toEqual(['publicTrade.BTCUSDT', 'allLiquidation.BTCUSDT']);
    await waitFor('a heartbeat', () => pings >= 1);
    venue.send(
      publicTrade([
        { i: '20f43950-d8dd-5b31-9112-a178eb6023af', S: 'Buy', p: '65000.10', v: '0.001', T: T + 1 },
        { i: '3a1b2c4d-0000-5b31-9112-a178eb6023b0', S: 'Sell', p: '64999.90', v: '1.200', T: T + 2 },
      ]),
    );
    venue.send({
      topic: 'allLiquidation.BTCUSDT',
      type: 'snapshot',
      ts: T + 500,
      data: [{ T: T + 400, s: 'BTCUSDT', S: 'Buy', v: '0.5', p: '64000.5' }],
    });
    venue.send({
      topic: 'allLiquidation.BTCUSDT',
      type: 'snapshot',
      ts: T + 1_000,
      data: [{ T: T + 900, s: 'BTCUSDT', S: 'Sideways', v: '1', p: '1' }],
    });
    venue.send({
      topic: 'allLiquidation.BTCUSDT',
      type: 'snapshot',
      ts: T + 1_500,
      data: [{ T: T + 1_400, s: 'BTCUSDT', S: 'Sell', v: '2', p: '66000' }],
    });
    await waitFor('two liquidations', async () => (await readStream(redis, LiquidationStream)).length === 2);

    venue.drop();
    await waitFor('the resubscription', () => subscribes.length === 2);
    venue.send(
      publicTrade([
        { i: '3a1b2c4d-0000-5b31-9112-a178eb6023b0', S: 'Sell', p: '64999.90', v: '1.200', T: T + 2 },
      ]),
    );
    venue.send(
      publicTrade([
        { i: '9c9c9c9c-0000-5b31-9112-a178eb6023b1', S: 'Buy', p: '65005', v: '0.3', T: T + 3_000 },
      ]),
    );
    await waitFor('three trades', async () => (await readStream(redis, TradeStream)).length === 3);
    answerPings = false;
    await waitFor('a reconnect after silence', () => subscribes.length === 3, { timeoutMs: 5_000 });
    await ingestion.close();
    ingestion = null;

    const trade = (
      i: string,
      price: number,
      size: number,
      side: 'buy' | 'sell',
      ts: number,
    ): TradeMessage => ({
      ...btc,
      tradeId: i,
      price,
      size,
      notionalUsd: price * size,
      side,
      ts,
      recvTs: expect.any(Number) as number,
    });
    expect(await readStream<TradeMessage>(redis, TradeStream)).toEqual([
      trade('20f43950-d8dd-5b31-9112-a178eb6023af', 65000.1, 0.001, 'buy', T + 1),
      trade('3a1b2c4d-0000-5b31-9112-a178eb6023b0', 64999.9, 1.2, 'sell', T + 2),
      trade('9c9c9c9c-0000-5b31-9112-a178eb6023b1', 65005, 0.3, 'buy', T + 3_000),
    ]);
    expect(await readStream<LiquidationMessage>(redis, LiquidationStream)).toEqual([
      {
        ...btc,
        eventId: `bybit:BTCUSDT:${T + 400}:Buy:0.5:64000.5`,
        positionSide: 'long',
        orderSide: 'sell',
        price: 64000.5,
        priceKind: 'bankruptcy',
        size: 0.5,
        notionalUsd: 32000.25,
        completeness: 'batched_500ms',
        ts: T + 400,
        recvTs: expect.any(Number) as number,
      },
      {
        ...btc,
        eventId: `bybit:BTCUSDT:${T + 1_400}:Sell:2:66000`,
        positionSide: 'short',
        orderSide: 'buy',
        price: 66000,
        priceKind: 'bankruptcy',
        size: 2,
        notionalUsd: 132000,
        completeness: 'batched_500ms',
        ts: T + 1_400,
        recvTs: expect.any(Number) as number,
      },
    ]);
    expect(await counterValue('mdp_ingestion_parse_errors_total', { venue: 'bybit' })).toBe(errorsBefore + 1);
    // Trade ids are UUIDs: no id gaps are claimed, only the two disconnected intervals.
    expect(
      (await readStream<GapMessage>(redis, GapStream)).map((gap) => [gap.kind, gap.venueSymbol]),
    ).toEqual([
      ['disconnect', 'BTCUSDT'],
      ['disconnect', 'BTCUSDT'],
    ]);
  });
});
