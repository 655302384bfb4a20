import { RecentIdCache } from './recent-id.cache';

describe(RecentIdCache.name, () => {
  it('accepts a new id once and refuses its repeat, per key', () => {
    const cache = new RecentIdCache(4);
    expect(cache.add('binance:BTCUSDT', '1')).toBe(true);
    expect(cache.add('binance:BTCUSDT', '1')).toBe(false);
    expect(cache.add('bybit:BTCUSDT', '1')).toBe(true);
  });

  it('remembers at least the last capacity/2 ids and never more than capacity', () => {
    const cache = new RecentIdCache(4);
    for (const id of ['1', '2', '3', '4', '5']) expect(cache.add('k', id)).toBe(true);
    expect(cache.size('k')).toBe(3); // generations {3,4} and {5}
    expect(cache.add('k', '4')).toBe(false);
    expect(cache.add('k', '5')).toBe(false);
    expect(cache.add('k', '1')).toBe(true); // forgotten, so new again
    for (let i = 10; i < 100; i++) cache.add('k', String(i));
    expect(cache.size('k')).toBeLessThanOrEqual(4);
  });
});
