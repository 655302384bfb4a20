import type Redis from 'ioredis';
import { GapStream, LiquidationStream, TradeStream, type GapMessage, type TradeMessage } from '@mdp/schemas';
import { createTestRedis, waitFor } from '@mdp/testing';
import { VenueConnector } from '../src/connectors/venue.connector';
import { tickLatestKey } from '../src/publishing/ingestion-keys';
import { counterValue, readStream, startIngestion, type RunningIngestion } from './ingestion-harness';
import { VenueStandIn } from './venue-stand-in';

const T = 1_700_000_000_000;
const hlTrade = (coin: string, side: 'B' | 'A', px: string, sz: string, tid: number) => ({
  coin,
  side,
  px,
  sz,
  time: T + tid,
  hash: `0x${tid.toString(16).padStart(64, '0')}`,
  tid,
  users: ['0x1111111111111111111111111111111111111111', '0x2222222222222222222222222222222222222222'],
});

describe(`${VenueConnector.name} for Hyperliquid`, () => {
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

  it('subscribes per coin, pings, normalizes B/A trades, skips a bad frame, reconnects after a drop and after silence', async () => {
    let answerPings = true;
    let pings = 0;
    const subscriptions: unknown[] = [];
    venue.onMessage = (text) => {
      const message = JSON.parse(text) as { method: string; subscription?: unknown };
      if (message.method === 'ping') {
        pings += 1;
        return answerPings ? [JSON.stringify({ channel: 'pong' })] : [];
      }
      if (message.method === 'subscribe') {
        subscriptions.push(message.subscription);
        return [JSON.stringify({ channel: 'subscriptionResponse', data: message })];
      }
      return [];
    };
    const errorsBefore = await counterValue('mdp_ingestion_parse_errors_total', { venue: 'hyperliquid' });
    ingestion = await startIngestion({
      INGESTION_SOURCE: 'live',
      INGESTION_VENUES: 'hyperliquid',
      INGESTION_SYMBOLS: 'BTC,ETH',
      INGESTION_HYPERLIQUID_WS_URL: venue.url,
      INGESTION_BACKOFF_BASE_MS: '20',
      INGESTION_BACKOFF_MAX_MS: '100',
      INGESTION_HEARTBEAT_MS: '50',
      INGESTION_SILENCE_MS: '500',
    });

    await waitFor('both subscriptions', () => subscriptions.length === 2);
    expect(subscriptions).toEqual([
      { type: 'trades', coin: 'BTC' },
      { type: 'trades', coin: 'ETH' },
    ]);
    await waitFor('a heartbeat', () => pings >= 1);
    venue.send({
      channel: 'trades',
      data: [hlTrade('BTC', 'B', '65000.0', '0.01000', 9001), hlTrade('BTC', 'A', '64999.5', '0.5', 9002)],
    });
    venue.send({ channel: 'trades', data: [{ ...hlTrade('ETH', 'B', '3500.1', '2', 9003), side: 'X' }] });
    venue.send({
      channel: 'trades',
      data: [
        hlTrade('ETH', 'A', '3500.2', '1.25', 9004),
        { unknownField: true, ...hlTrade('ETH', 'B', '3500.3', '0.1', 9005) },
      ],
    });
    await waitFor('four trades', async () => (await readStream(redis, TradeStream)).length === 4);

    venue.drop();
    await waitFor('resubscription', () => subscriptions.length === 4);
    venue.send({
      channel: 'trades',
      data: [hlTrade('BTC', 'A', '64999.5', '0.5', 9002), hlTrade('BTC', 'B', '65001.0', '3', 9010)],
    });
    await waitFor(
      'the trade after the reconnect',
      async () => (await readStream(redis, TradeStream)).length === 5,
    );

    answerPings = false;
    await waitFor('a reconnect after silence', () => subscriptions.length === 6, { timeoutMs: 5_000 });
    await ingestion.close();
    ingestion = null;

    const instrument = (base: string) => ({
      exchange: 'hyperliquid',
      market: 'perp',
      symbol: `${base}-USDC`,
      base,
      quote: 'USDC',
      venueSymbol: base,
    });
    const trade = (
      base: string,
      tid: number,
      price: number,
      size: number,
      side: 'buy' | 'sell',
    ): TradeMessage => ({
      ...(instrument(base) as Pick<
        TradeMessage,
        'exchange' | 'market' | 'symbol' | 'base' | 'quote' | 'venueSymbol'
      >),
      tradeId: String(tid),
      price,
      size,
      notionalUsd: price * size,
      side,
      ts: T + tid,
      recvTs: expect.any(Number) as number,
    });
    expect(await readStream<TradeMessage>(redis, TradeStream)).toEqual([
      trade('BTC', 9001, 65000, 0.01, 'buy'),
      trade('BTC', 9002, 64999.5, 0.5, 'sell'),
      trade('ETH', 9004, 3500.2, 1.25, 'sell'),
      trade('ETH', 9005, 3500.3, 0.1, 'buy'),
      trade('BTC', 9010, 65001, 3, 'buy'),
    ]);
    // No public liquidation channel: nothing is invented.
    expect(await readStream(redis, LiquidationStream)).toEqual([]);
    const gaps = await readStream<GapMessage>(redis, GapStream);
    expect(gaps.map((gap) => [gap.kind, gap.venueSymbol])).toEqual([
      ['disconnect', 'BTC'],
      ['disconnect', 'ETH'],
      ['disconnect', 'BTC'],
      ['disconnect', 'ETH'],
    ]);
    expect(await counterValue('mdp_ingestion_parse_errors_total', { venue: 'hyperliquid' })).toBe(
      errorsBefore + 1,
    );
    expect(await redis.hget(tickLatestKey('BTC-USDC'), 'last')).toBe('65001');
    expect(await redis.hget(tickLatestKey('ETH-USDC'), 'last')).toBe('3500.3');
  });
});
