import type { RedisClient } from '@mdp/platform';
import type { CandleMessage, Timeframe } from '@mdp/schemas';
import { candleCurrentKey } from './flow.keys';

/** Writes the hash unless it already holds a newer candle (a later openTime), then sets its TTL. */
const WRITE_IF_NOT_OLDER = `
local current = redis.call('HGET', KEYS[1], 'openTime')
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * Seed 004 live candles: one hash per symbol and timeframe, `candle:current:<TIMEFRAME>:<SYMBOL>`,
 * fields symbol, exchange, timeframe, openTime, open, high, low, close, volume, notionalUsd, trades,
 * closed (0/1), with a TTL. An older candle never overwrites a newer one.
 */
export class LiveCandleRepository {
  constructor(private readonly redis: RedisClient) {}

  async write(candles: readonly CandleMessage[], ttlMs: (timeframe: Timeframe) => number): Promise<void> {
    await Promise.all(
      candles.map((candle) =>
        this.redis.eval(
          WRITE_IF_NOT_OLDER,
          1,
          candleCurrentKey(candle.timeframe, candle.symbol),
          candle.openTime,
          ttlMs(candle.timeframe),
          'symbol',
          candle.symbol,
          'exchange',
          candle.exchange,
          'timeframe',
          candle.timeframe,
          'openTime',
          candle.openTime,
          'open',
          candle.open,
          'high',
          candle.high,
          'low',
          candle.low,
          'close',
          candle.close,
          'volume',
          candle.volume,
          'notionalUsd',
          candle.notionalUsd,
          'trades',
          candle.trades,
          'closed',
          candle.closed ? 1 : 0,
        ),
      ),
    );
  }

  async read(timeframe: Timeframe, symbol: string): Promise<CandleMessage | null> {
    const hash = await this.redis.hgetall(candleCurrentKey(timeframe, symbol));
    if (!hash['openTime']) return null;
    return {
      symbol: hash['symbol']!,
      exchange: hash['exchange']!,
      timeframe: hash['timeframe'] as Timeframe,
      openTime: Number(hash['openTime']),
      open: Number(hash['open']),
      high: Number(hash['high']),
      low: Number(hash['low']),
      close: Number(hash['close']),
      volume: Number(hash['volume']),
      notionalUsd: Number(hash['notionalUsd']),
      trades: Number(hash['trades']),
      closed: hash['closed'] === '1',
    };
  }
}
