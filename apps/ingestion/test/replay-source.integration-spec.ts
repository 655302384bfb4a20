import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import {
  GapStream,
  LiquidationStream,
  TickStream,
  TradeStream,
  type GapMessage,
  type LiquidationMessage,
  type TradeMessage,
} from '@mdp/schemas';
import { WORKSPACE_ROOT, createTestRedis, waitFor } from '@mdp/testing';
import { ReplaySource } from '../src/sources/replay.source';
import { counterValue, readStream, startIngestion } from './ingestion-harness';
import { VenueStandIn } from './venue-stand-in';

const SAMPLE = join(WORKSPACE_ROOT, 'tools/fixtures/sample-session.jsonl.gz');

async function allStreams(redis: Redis) {
  return {
    trades: await readStream<TradeMessage>(redis, TradeStream),
    liquidations: await readStream<LiquidationMessage>(redis, LiquidationStream),
    gaps: await readStream<GapMessage>(redis, GapStream),
    ticks: await readStream(redis, TickStream),
    latest: Object.fromEntries(
      await Promise.all(
        (await redis.keys('tick:latest:*'))
          .sort()
          .map(async (key): Promise<[string, Record<string, string>]> => [key, await redis.hgetall(key)]),
      ),
    ),
  };
}

async function replay(file: string, speed = '0') {
  const ingestion = await startIngestion({
    INGESTION_SOURCE: 'replay',
    INGESTION_REPLAY_FILE: file,
    INGESTION_REPLAY_SPEED: speed,
  });
  await (ingestion.service.source as ReplaySource).done;
  await ingestion.close();
}

describe(ReplaySource.name, () => {
  let redis: Redis;
  let dir: string;

  beforeEach(async () => {
    redis = await createTestRedis();
    dir = mkdtempSync(join(tmpdir(), 'ingestion-recording-'));
  });

  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await redis.quit();
  });

  it('gives identical normalized streams when the sample recording is replayed twice', async () => {
    const errorsBefore = await counterValue('mdp_ingestion_parse_errors_total', { venue: 'bybit' });
    await replay(SAMPLE);
    const first = await allStreams(redis);
    await redis.flushdb();
    await replay(SAMPLE);
    const second = await allStreams(redis);

    expect(second).toEqual(first);
    // What the sample holds, so "identical" is not "both empty".
    // 2934 trade frames of one trade each in the sample, one of them the malformed Bybit frame.
    expect(first.trades).toHaveLength(2_933);
    const venues = [...new Set(first.trades.map((trade) => trade.exchange))].sort();
    expect(venues).toEqual(['binance', 'bybit', 'hyperliquid', 'okx']);
    const sides = new Set(
      first.liquidations.map(
        (liquidation) =>
          `${liquidation.exchange}:${liquidation.positionSide}:${liquidation.orderSide}:${liquidation.priceKind}`,
      ),
    );
    expect([...sides].every((side) => /:(long:sell|short:buy):/.test(side))).toBe(true);
    expect([...new Set(first.liquidations.map((liquidation) => liquidation.exchange))].sort()).toEqual([
      'binance',
      'bybit',
      'okx',
    ]);
    expect(first.gaps).toEqual([
      {
        exchange: 'binance',
        venueSymbol: 'BTCUSDT',
        kind: 'trade_id',
        fromId: expect.any(String) as string,
        toId: expect.any(String) as string,
        fromTs: expect.any(Number) as number,
        toTs: expect.any(Number) as number,
        backfilled: false,
      },
    ]);
    expect(Number(first.gaps[0]!.toId) - Number(first.gaps[0]!.fromId)).toBe(2);
    expect(Object.keys(first.latest)).toEqual([
      'tick:latest:BTC-USDC',
      'tick:latest:BTC-USDT',
      'tick:latest:ETH-USDC',
      'tick:latest:ETH-USDT',
      'tick:latest:HYPE-USDC',
      'tick:latest:HYPE-USDT',
    ]);
    // The sample's one malformed Bybit frame was skipped in each replay.
    expect(await counterValue('mdp_ingestion_parse_errors_total', { venue: 'bybit' })).toBe(errorsBefore + 2);
  });

  it('replays a recorded live session into the same normalized events the live session produced', async () => {
    const recording = join(dir, 'session.jsonl.gz');
    const venue = await VenueStandIn.start();
    venue.onMessage = (text) =>
      text.includes('"ping"')
        ? [JSON.stringify({ channel: 'pong' })]
        : [JSON.stringify({ channel: 'subscriptionResponse', data: JSON.parse(text) as unknown })];
    try {
      const live = await startIngestion({
        INGESTION_SOURCE: 'live',
        INGESTION_VENUES: 'hyperliquid',
        INGESTION_SYMBOLS: 'BTC',
        INGESTION_HYPERLIQUID_WS_URL: venue.url,
        INGESTION_RECORD_FILE: recording,
      });
      await waitFor('the subscription', () => venue.sessions[0]?.received.length === 1);
      for (let i = 0; i < 20; i++) {
        venue.send({
          channel: 'trades',
          data: [
            {
              coin: 'BTC',
              side: i % 3 === 0 ? 'A' : 'B',
              px: String(65_000 + i),
              sz: '0.1',
              time: 1_700_000_000_000 + i,
              hash: '0x0',
              tid: 500 + i,
              users: [],
            },
          ],
        });
      }
      venue.send('not json at all');
      await waitFor('20 live trades', async () => (await readStream(redis, TradeStream)).length === 20);
      await live.close();
    } finally {
      await venue.close();
    }
    const fromLive = await allStreams(redis);
    await redis.flushdb();
    await replay(recording, '100');
    const fromReplay = await allStreams(redis);

    expect(fromReplay.trades).toEqual(fromLive.trades);
    expect(fromReplay.latest).toEqual(fromLive.latest);
    expect(fromLive.trades.map((trade) => trade.tradeId)).toEqual(
      Array.from({ length: 20 }, (_, i) => String(500 + i)),
    );
  });
});
