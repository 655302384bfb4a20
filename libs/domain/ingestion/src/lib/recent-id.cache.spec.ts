import fc from 'fast-check';
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

  it('answers as two generations of Sets would, for any ids, repeats and colliding hashes', () => {
    // A reference model of the contract: generation = capacity/2, rotated when full.
    const model = (capacity: number) => {
      let current = new Set<string>();
      let previous = new Set<string>();
      return (id: string) => {
        if (current.has(id) || previous.has(id)) return false;
        if (current.size >= Math.floor(capacity / 2)) {
          previous = current;
          current = new Set();
        }
        current.add(id);
        return true;
      };
    };
    const id = fc.oneof(
      fc.integer({ min: 0, max: 40 }).map(String), // many repeats
      fc.integer({ min: 0, max: 40 }).map((n) => String(n).padStart(2, '0')), // the same values, other texts
      fc.constantFrom(
        '999999999999999',
        '0999999999999999',
        '1000000000000000',
        '9007199254740993',
        '-1',
        '1.0',
      ),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
      fc.constantFrom('', 'a', 'ab', 'ba', '\u0000', '00000000-0000-4000-8000-000000000001'),
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }), fc.array(id, { maxLength: 300 }), (capacity, ids) => {
        const cache = new RecentIdCache(capacity);
        const reference = model(capacity);
        for (const next of ids) expect(cache.add('k', next)).toBe(reference(next));
      }),
      { numRuns: 500 },
    );
  });
});
