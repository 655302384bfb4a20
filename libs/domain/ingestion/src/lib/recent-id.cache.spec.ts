import { RecentIdCache } from './recent-id.cache';

describe(RecentIdCache.name, () => {
  it('accepts a new id once and refuses its repeat', () => {
    const cache = new RecentIdCache(3);
    expect(cache.add('binance:BTCUSDT', '1')).toBe(true);
    expect(cache.add('binance:BTCUSDT', '1')).toBe(false);
    expect(cache.add('bybit:BTCUSDT', '1')).toBe(true);
  });

  it('forgets the oldest id of a key at capacity and never holds more', () => {
    const cache = new RecentIdCache(3);
    for (const id of ['1', '2', '3', '4']) cache.add('k', id);
    expect(cache.size('k')).toBe(3);
    expect(cache.add('k', '1')).toBe(true); // forgotten, so new again
    expect(cache.add('k', '4')).toBe(false);
    expect(cache.size('k')).toBe(3);
  });
});
