import type Redis from 'ioredis';
import { createTestRedis } from '@mdp/testing';
import { aCandle } from '@mdp/schemas/testing';
import { IndicatorCalculator, markPosition, type ActivePosition } from '@mdp/domain-flow';
import { IndicatorRepository, LiveCandleRepository, PositionRepository } from '../src';

const T = 1_700_000_100_000;

describe('candle, indicator and position repositories', () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('writes candle:current hashes with a TTL and never lets an older candle overwrite a newer one', async () => {
    const candles = new LiveCandleRepository(redis);
    const newer = aCandle({ symbol: 'BTC', openTime: T + 60_000, open: 2, close: 3, closed: false });
    const older = aCandle({ symbol: 'BTC', openTime: T, open: 1, close: 1.5, closed: true });
    await candles.write([newer], () => 120_000);
    await candles.write([older], () => 120_000);
    expect(await candles.read('1m', 'BTC')).toEqual(newer);
    expect(await redis.hget('candle:current:1m:BTC', 'closed')).toBe('0');
    const pttl = await redis.pttl('candle:current:1m:BTC');
    expect(pttl).toBeGreaterThan(119_000);
    expect(pttl).toBeLessThanOrEqual(120_000);
    expect(await candles.read('5m', 'BTC')).toBeNull();
  });

  it('writes stocks:indicators in the seed 002 shape with a TTL', async () => {
    const indicators = new IndicatorRepository(redis);
    const calculator = new IndicatorCalculator();
    let values = calculator.update(100, T);
    for (let i = 1; i < 30; i++) values = calculator.update(100 + (i % 5), T + i * 60_000);
    await indicators.write('ETH', IndicatorRepository.toStored(values, '1m', T + 30 * 60_000), 600);
    expect(await indicators.read('ETH')).toEqual({
      rsi_14: values.rsi14,
      macd: values.macd,
      macd_signal: values.macdSignal,
      bollinger_upper: values.bollingerUpper,
      bollinger_lower: values.bollingerLower,
      bollinger_width: values.bollingerWidth,
      timeframe: '1m',
      candle_open_time: T + 29 * 60_000,
      close: 104,
      timestamp: new Date(T + 30 * 60_000).toISOString(),
    });
    expect(await redis.ttl('stocks:indicators:ETH')).toBeGreaterThan(590);
  });

  it('updates positions:active only if unchanged since read, keeping its TTL', async () => {
    const positions = new PositionRepository(redis);
    const position: ActivePosition = {
      symbol: 'BTC',
      entry_price: 60_000,
      current_price: 60_000,
      quantity: 1,
      side: 'short',
      entry_time: new Date(T).toISOString(),
      unrealized_pnl: 0,
      unrealized_pnl_pct: 0,
      stop_loss: 63_000,
      take_profit: 55_000,
      last_update: new Date(T).toISOString(),
    };
    const raw = JSON.stringify(position);
    await redis.set('positions:active:BTC', raw, 'EX', 300);
    const read = await positions.readActive(['BTC', 'ETH']);
    expect([...read.keys()]).toEqual(['BTC']);
    const marked = markPosition(position, 59_000, T + 1_000);
    expect(await positions.updateActive('BTC', read.get('BTC')!, marked)).toBe(true);
    expect(JSON.parse((await redis.get('positions:active:BTC'))!)).toMatchObject({
      current_price: 59_000,
      unrealized_pnl: 1_000,
      unrealized_pnl_pct: 1.67,
    });
    expect(await redis.ttl('positions:active:BTC')).toBeGreaterThan(290);
    // The trading system changed it meanwhile: the stale update is refused.
    expect(await positions.updateActive('BTC', raw, markPosition(position, 61_000, T + 2_000))).toBe(false);
    expect(JSON.parse((await redis.get('positions:active:BTC'))!)).toMatchObject({ current_price: 59_000 });
    await redis.del('positions:active:BTC');
    expect(await positions.updateActive('BTC', raw, marked)).toBe(false);
    expect(await redis.exists('positions:active:BTC')).toBe(0);
  });
});
