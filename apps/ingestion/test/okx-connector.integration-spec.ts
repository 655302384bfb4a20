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
  exchange: 'okx',
  market: 'perp',
  symbol: 'BTC-USDT',
  base: 'BTC',
  quote: 'USDT',
  venueSymbol: 'BTC-USDT-SWAP',
} as const;
const liquidations = (instId: string, details: Array<Record<string, string>>) => ({
  arg: { channel: 'liquidation-orders', instType: 'SWAP' },
  data: [
    {
      instId,
      instType: 'SWAP',
      instFamily: instId.replace('-SWAP', ''),
      uly: instId.replace('-SWAP', ''),
      details,
    },
  ],
});

describe(`${VenueConnector.name} for OKX v5`, () => {
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

  it('subscribes liquidations by instrument type, converts contracts to base units, keeps bankruptcy prices, and reconnects', async () => {
    let answerPings = true;
    let pings = 0;
    const subscribes: unknown[] = [];
    venue.onMessage = (text) => {
      if (text === 'ping') {
        pings += 1;
        return answerPings ? ['pong'] : [];
      }
      const message = JSON.parse(text) as { op: string; args: unknown[] };
      if (message.op === 'subscribe') {
        subscribes.push(message.args);
        return message.args.map((arg) => JSON.stringify({ event: 'subscribe', arg, connId: 'a4d3ae55' }));
      }
      return [];
    };
    const errorsBefore = await counterValue('mdp_ingestion_parse_errors_total', { venue: 'okx' });
    ingestion = await startIngestion({
      INGESTION_SOURCE: 'live',
      INGESTION_VENUES: 'okx',
      INGESTION_SYMBOLS: 'BTC',
      INGESTION_OKX_WS_URL: venue.url,
      INGESTION_OKX_CONTRACT_VALUES: 'BTC-USDT-SWAP:0.01',
      INGESTION_BACKOFF_BASE_MS: '20',
      INGESTION_BACKOFF_MAX_MS: '100',
      INGESTION_HEARTBEAT_MS: '50',
      INGESTION_SILENCE_MS: '500',
    });

    await waitFor('the subscription', () => subscribes.length === 1);
    expect(subscribes[0]).toEqual([
      { channel: 'trades', instId: 'BTC-USDT-SWAP' },
      { channel: 'liquidation-orders', instType: 'SWAP' },
    ]);
    await waitFor('a heartbeat', () => pings >= 1);
    venue.send({
      arg: { channel: 'trades', instId: 'BTC-USDT-SWAP' },
      data: [
        {
          instId: 'BTC-USDT-SWAP',
          tradeId: '130639474',
          px: '42219.9',
          sz: '3',
          side: 'buy',
          ts: String(T + 1),
          count: '2',
          source: '0',
        },
      ],
    });
    venue.send(
      liquidations('BTC-USDT-SWAP', [
        {
          bkLoss: '0',
          bkPx: '41000.5',
          ccy: '',
          posSide: 'long',
          side: 'sell',
          sz: '13',
          ts: String(T + 10),
        },
      ]),
    );
    venue.send(
      liquidations('XRP-USDT-SWAP', [
        { bkLoss: '0', bkPx: '0.5', ccy: '', posSide: 'short', side: 'buy', sz: '100', ts: String(T + 11) },
      ]),
    );
    venue.send({
      event: 'error',
      code: '60012',
      msg: 'Invalid request: {"op": "subscribe"}',
      connId: 'a4d3ae55',
    });
    venue.send(
      liquidations('BTC-USDT-SWAP', [
        { bkLoss: '0', bkPx: '43000', ccy: '', posSide: 'net', side: 'buy', sz: '7', ts: String(T + 20) },
      ]),
    );
    await waitFor('two liquidations', async () => (await readStream(redis, LiquidationStream)).length === 2);

    venue.drop();
    await waitFor('the resubscription', () => subscribes.length === 2);
    venue.send({
      arg: { channel: 'trades', instId: 'BTC-USDT-SWAP' },
      data: [
        {
          instId: 'BTC-USDT-SWAP',
          tradeId: '130639474',
          px: '42219.9',
          sz: '3',
          side: 'buy',
          ts: String(T + 1),
          count: '2',
        },
        {
          instId: 'BTC-USDT-SWAP',
          tradeId: '130639480',
          px: '42218',
          sz: '0.5',
          side: 'sell',
          ts: String(T + 30),
          count: '1',
        },
      ],
    });
    await waitFor('two trades', async () => (await readStream(redis, TradeStream)).length === 2);
    answerPings = false;
    await waitFor('a reconnect after silence', () => subscribes.length === 3, { timeoutMs: 5_000 });
    await ingestion.close();
    ingestion = null;

    expect(await readStream<TradeMessage>(redis, TradeStream)).toEqual([
      {
        ...btc,
        tradeId: '130639474',
        price: 42219.9,
        size: 0.03,
        notionalUsd: 42219.9 * 0.03,
        side: 'buy',
        ts: T + 1,
        recvTs: expect.any(Number) as number,
      },
      {
        ...btc,
        tradeId: '130639480',
        price: 42218,
        size: 0.005,
        notionalUsd: 42218 * 0.005,
        side: 'sell',
        ts: T + 30,
        recvTs: expect.any(Number) as number,
      },
    ]);
    expect(await readStream<LiquidationMessage>(redis, LiquidationStream)).toEqual([
      {
        ...btc,
        eventId: `okx:BTC-USDT-SWAP:${T + 10}:long:13:41000.5`,
        positionSide: 'long',
        orderSide: 'sell',
        price: 41000.5,
        priceKind: 'bankruptcy',
        size: 0.13,
        notionalUsd: 41000.5 * 0.13,
        completeness: 'sampled_1s',
        ts: T + 10,
        recvTs: expect.any(Number) as number,
      },
      {
        ...btc,
        eventId: `okx:BTC-USDT-SWAP:${T + 20}:short:7:43000`,
        positionSide: 'short',
        orderSide: 'buy',
        price: 43000,
        priceKind: 'bankruptcy',
        size: 0.07,
        notionalUsd: 43000 * 0.07,
        completeness: 'sampled_1s',
        ts: T + 20,
        recvTs: expect.any(Number) as number,
      },
    ]);
    // The venue error frame is counted as a skipped frame; the XRP liquidation is not ours and is dropped quietly.
    expect(await counterValue('mdp_ingestion_parse_errors_total', { venue: 'okx' })).toBe(errorsBefore + 1);
    expect(
      (await readStream<GapMessage>(redis, GapStream)).map((gap) => [gap.kind, gap.venueSymbol]),
    ).toEqual([
      ['disconnect', 'BTC-USDT-SWAP'],
      ['disconnect', 'BTC-USDT-SWAP'],
    ]);
  });
});
