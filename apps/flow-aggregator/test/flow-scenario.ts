import type Redis from 'ioredis';
import {
  CandleStream,
  FlowSnapshotStream,
  type CandleMessage,
  type FlowSnapshotNoticeMessage,
  type LiquidationMessage,
  type TradeMessage,
} from '@mdp/schemas';
import { aLiquidation, aTrade } from '@mdp/schemas/testing';
import { LiquidityFlowRepository } from '@mdp/data-access-flow';
import { readAll } from './stream-events';

/** A known scenario of the aggregator's tests: its events, and everything the aggregator wrote from them. */
export const T = 1_700_000_100_000;
export const COINS = [
  { base: 'BTC', mid: 65_000 },
  { base: 'ETH', mid: 3_500 },
  { base: 'HYPE', mid: 30 },
];

/** 3 coins x 2 500 trades over 3 minutes (plus liquidations), then a trade that closes the first two minutes. */
export function events(): { trades: TradeMessage[]; liquidations: LiquidationMessage[] } {
  let state = 42;
  const random = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const trades: TradeMessage[] = [];
  const liquidations: LiquidationMessage[] = [];
  for (let i = 0; i < 7_500; i++) {
    const coin = COINS[i % 3]!;
    const price = Math.round(coin.mid * (1 + (random() - 0.5) / 100) * 100) / 100;
    const size = [0.01, 0.1, 0.5, 1, 3, 20][Math.floor(random() * 6)]!;
    const ts = T + Math.floor((i / 7_500) * 170_000);
    trades.push(
      aTrade({
        symbol: `${coin.base}-USDT`,
        base: coin.base,
        venueSymbol: `${coin.base}USDT`,
        tradeId: String(i),
        price,
        size,
        notionalUsd: price * size,
        side: random() < 0.5 ? 'buy' : 'sell',
        ts,
        recvTs: ts,
      }),
    );
    if (i % 97 === 0) {
      liquidations.push(
        aLiquidation({
          symbol: `${coin.base}-USDT`,
          base: coin.base,
          eventId: `l${i}`,
          price,
          size,
          notionalUsd: price * size,
          positionSide: random() < 0.5 ? 'long' : 'short',
          ts,
          recvTs: ts,
        }),
      );
    }
  }
  trades.push(
    aTrade({
      base: 'BTC',
      tradeId: 'closer',
      price: 65_000,
      size: 1,
      notionalUsd: 65_000,
      ts: T + 185_000,
      recvTs: T + 185_000,
    }),
  );
  return { trades, liquidations };
}

/** Everything the aggregators wrote, without the write times: snapshots by key, closed candles, final notices. */
export async function collect(redis: Redis): Promise<unknown> {
  const repository = new LiquidityFlowRepository(redis);
  const keys = (await redis.keys('liquidity-flow:*')).filter((key) => !key.endsWith(':index')).sort();
  const snapshots: Record<string, unknown> = {};
  for (const key of keys) {
    const { expiresAt: _expiresAt, ...rest } = (await repository.retrieve(key))!;
    snapshots[key] = rest;
  }
  const indexes: Record<string, string[]> = {};
  for (const key of (await redis.keys('liquidity-flow:*:index')).sort())
    indexes[key] = await redis.zrange(key, 0, -1);
  // A closed candle or final notice published again by a restarted aggregator is the same message: once each.
  const candles = unique(await readAll<CandleMessage>(redis, CandleStream)).sort(
    (a, b) =>
      a.symbol.localeCompare(b.symbol) || a.timeframe.localeCompare(b.timeframe) || a.openTime - b.openTime,
  );
  const finals = unique(
    (await readAll<FlowSnapshotNoticeMessage>(redis, FlowSnapshotStream))
      .filter((n) => n.final)
      .map(({ writtenAt: _w, ...n }) => n),
  ).sort((a, b) => a.key.localeCompare(b.key));
  const indicators: Record<string, unknown> = {};
  for (const coin of COINS) {
    const value = await redis.get(`stocks:indicators:${coin.base}`);
    if (value) {
      const { timestamp: _t, ...rest } = JSON.parse(value) as Record<string, unknown>;
      indicators[coin.base] = rest;
    }
  }
  const live: Record<string, Record<string, string>> = {};
  for (const key of (await redis.keys('candle:current:*')).sort()) live[key] = await redis.hgetall(key);
  return { snapshots, indexes, candles, finals, indicators, live };
}

function unique<T>(items: T[]): T[] {
  return [...new Map(items.map((item) => [JSON.stringify(item), item])).values()];
}
