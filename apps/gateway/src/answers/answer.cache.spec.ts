import { AnswerCache, type AnswerCacheOptions } from './answer.cache';

function cacheWith(options: Partial<AnswerCacheOptions> = {}) {
  let now = 1_000;
  const cache = new AnswerCache({
    ttlMs: 1_000,
    maxEntries: 10,
    maxBytes: 1_000,
    remainingMs: () => Promise.resolve(-1),
    clock: () => now,
    ...options,
  });
  return { cache, advance: (ms: number) => (now += ms) };
}

describe(AnswerCache.name, () => {
  it('keeps a loaded answer as its own copy of the bytes until the TTL has passed', async () => {
    const { cache, advance } = cacheWith();
    expect(cache.lookup('k', 'flow')).toBeUndefined();
    const body = Buffer.from('{"a":1}');
    expect((await cache.load('k', () => Promise.resolve(body)))!.toString()).toBe('{"a":1}');
    body.write('X');
    expect(cache.lookup('k', 'flow')!.toString()).toBe('{"a":1}');
    advance(999);
    expect(cache.lookup('k', 'flow')).toBeDefined();
    advance(1);
    expect(cache.lookup('k', 'flow')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never keeps an answer past its key expiring in Redis, nor one whose key was not there', async () => {
    const remaining: Record<string, number> = { short: 200, gone: -2 };
    const { cache, advance } = cacheWith({ remainingMs: (key) => Promise.resolve(remaining[key]!) });
    await cache.load('short', () => Promise.resolve('x'));
    await cache.load('gone', () => Promise.resolve('y'));
    expect(cache.lookup('gone', 'token-list')).toBeUndefined();
    advance(199);
    expect(cache.lookup('short', 'flow')).toBeDefined();
    advance(1);
    expect(cache.lookup('short', 'flow')).toBeUndefined();
  });

  it('answers but does not keep a load that an invalidation overtook', async () => {
    const { cache } = cacheWith();
    let finish: (value: string) => void = () => undefined;
    const loading = cache.load('k', () => new Promise<string>((resolve) => (finish = resolve)));
    cache.invalidate('other');
    finish('old');
    expect((await loading)!.toString()).toBe('old');
    expect(cache.lookup('k', 'flow')).toBeUndefined();
  });

  it('shares one load between concurrent misses, and starts a new one after an invalidation', async () => {
    const { cache } = cacheWith();
    let reads = 0;
    const read = () => Promise.resolve(`v${++reads}`);
    const [a, b] = await Promise.all([cache.load('k', read), cache.load('k', read)]);
    expect([a!.toString(), b!.toString(), reads]).toEqual(['v1', 'v1', 1]);
    cache.invalidate('k');
    expect((await cache.load('k', read))!.toString()).toBe('v2');
    expect(cache.lookup('k', 'flow')!.toString()).toBe('v2');
  });

  it('drops by key, by prefix and all at once', async () => {
    const { cache } = cacheWith();
    for (const key of [
      'liquidity-flow:BTC:5m:1',
      'liquidity-flow:ETH:5m:1',
      'tokens:list:a',
      'tokens:list:b',
    ])
      await cache.load(key, () => Promise.resolve(key));
    cache.invalidate('liquidity-flow:BTC:5m:1');
    expect(cache.lookup('liquidity-flow:BTC:5m:1', 'flow')).toBeUndefined();
    cache.invalidatePrefix('tokens:list:');
    expect(cache.size).toBe(1);
    expect(cache.lookup('liquidity-flow:ETH:5m:1', 'flow')!.toString()).toBe('liquidity-flow:ETH:5m:1');
    cache.clear();
    expect([cache.size, cache.totalBytes]).toEqual([0, 0]);
  });

  it('stays inside its entry and byte bounds, dropping the oldest, and keeps nothing larger than the byte bound', async () => {
    const { cache } = cacheWith({ maxEntries: 3, maxBytes: 250 });
    for (let i = 0; i < 5; i++) await cache.load(`k${i}`, () => Promise.resolve('x'.repeat(10)));
    expect(cache.size).toBe(3);
    expect(cache.lookup('k1', 'flow')).toBeUndefined();
    expect(cache.lookup('k2', 'flow')).toBeDefined();
    await cache.load('big1', () => Promise.resolve('x'.repeat(120)));
    await cache.load('big2', () => Promise.resolve('x'.repeat(120)));
    expect(cache.totalBytes).toBeLessThanOrEqual(250);
    expect(cache.lookup('big1', 'flow')).toBeDefined();
    expect(cache.lookup('big2', 'flow')).toBeDefined();
    expect((await cache.load('huge', () => Promise.resolve('x'.repeat(251))))!.length).toBe(251);
    expect(cache.lookup('huge', 'flow')).toBeUndefined();
  });

  it('keeps nothing with a TTL of 0', async () => {
    const { cache } = cacheWith({ ttlMs: 0 });
    expect((await cache.load('k', () => Promise.resolve('v')))!.toString()).toBe('v');
    expect(cache.lookup('k', 'flow')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
