import type Redis from 'ioredis';
import { createTestRedis } from '@mdp/testing';
import { RATE_LIMIT_SCRIPT_SHA, RateLimiter } from '../src/auth/rate-limiter';

describe(RateLimiter.name, () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await createTestRedis();
  });
  afterAll(() => redis.quit());

  it('runs its script by sha, and loads it again after Redis forgot it (NOSCRIPT)', async () => {
    const limiter = new RateLimiter(redis);
    const now = Date.UTC(2026, 5, 15, 12, 0, 30);
    expect(await limiter.consume('hash-a', 2, 10, now)).toEqual({
      allowed: true,
      exceeded: null,
      minuteCount: 1,
      monthCount: 1,
      resetSeconds: 30,
    });
    await redis.script('FLUSH');
    expect((await limiter.consume('hash-a', 2, 10, now)).minuteCount).toBe(2);
    expect(await limiter.consume('hash-a', 2, 10, now)).toMatchObject({
      allowed: false,
      exceeded: 'minute',
      minuteCount: 2,
    });
    expect(await redis.script('EXISTS', RATE_LIMIT_SCRIPT_SHA)).toEqual([1]);
  });

  // A month to come: the month counter expires a day after its month ends.
  it('counts the requests of one turn with one script run, each with the verdict a run of its own would give', async () => {
    const limiter = new RateLimiter(redis);
    const now = Date.UTC(2030, 5, 15, 12, 1, 10);
    // Script runs go straight to the connection (sendCommand), past ioredis's auto-pipelining.
    const sendCommand = jest.spyOn(redis, 'sendCommand');
    const scriptRuns = () => sendCommand.mock.calls.filter(([command]) => command.name === 'evalsha').length;
    const minute = await Promise.all(Array.from({ length: 7 }, () => limiter.consume('hash-b', 5, 100, now)));
    expect(scriptRuns()).toBe(1);
    expect(minute.map((v) => [v.allowed, v.minuteCount, v.monthCount])).toEqual([
      [true, 1, 1],
      [true, 2, 2],
      [true, 3, 3],
      [true, 4, 4],
      [true, 5, 5],
      [false, 5, 5],
      [false, 5, 5],
    ]);
    expect(minute[0]).toEqual({
      allowed: true,
      exceeded: null,
      minuteCount: 1,
      monthCount: 1,
      resetSeconds: 50,
    });
    expect(minute[6]).toEqual({
      allowed: false,
      exceeded: 'minute',
      minuteCount: 5,
      monthCount: 5,
      resetSeconds: 50,
    });
    const minuteKey = `rate_limit:{hash-b}:m:${Math.floor(now / 60_000)}`;
    expect(await redis.get(minuteKey)).toBe('5');
    expect(await redis.ttl(minuteKey)).toBeGreaterThan(3_590);
    expect(await redis.get('rate_limit:{hash-b}:M:203006')).toBe('5');
    expect(await redis.expiretime('rate_limit:{hash-b}:M:203006')).toBe(Date.UTC(2030, 6, 2) / 1000);

    // The next minute, with 7 a month: two more pass, then the month refuses (counting nothing).
    const later = now + 60_000;
    const month = await Promise.all(Array.from({ length: 4 }, () => limiter.consume('hash-b', 5, 7, later)));
    expect(scriptRuns()).toBe(2);
    expect(month.map((v) => [v.allowed, v.exceeded, v.minuteCount, v.monthCount])).toEqual([
      [true, null, 1, 6],
      [true, null, 2, 7],
      [false, 'month', 2, 7],
      [false, 'month', 2, 7],
    ]);
    expect(month[3]!.resetSeconds).toBe((Date.UTC(2030, 6, 1) - later) / 1000);

    // Other limits for the same counters in one turn: the earlier requests are counted first.
    const other = Date.UTC(2030, 5, 15, 13, 0, 0);
    const mixed = await Promise.all([
      limiter.consume('hash-c', 2, 100, other),
      limiter.consume('hash-c', 2, 100, other),
      limiter.consume('hash-c', 3, 100, other),
      limiter.consume('hash-c', 3, 100, other),
    ]);
    expect(mixed.map((v) => [v.allowed, v.minuteCount])).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
      [false, 3],
    ]);
    sendCommand.mockRestore();
  });

  it("counts under the connection's key prefix, as any command of that connection would", async () => {
    const prefixed = redis.duplicate({ keyPrefix: 'prefixed:' });
    try {
      const limiter = new RateLimiter(prefixed);
      const now = Date.UTC(2030, 5, 15, 14, 0, 0);
      expect((await limiter.consume('hash-d', 5, 100, now)).minuteCount).toBe(1);
      expect(await redis.get(`prefixed:rate_limit:{hash-d}:m:${Math.floor(now / 60_000)}`)).toBe('1');
      expect(await redis.get(`rate_limit:{hash-d}:m:${Math.floor(now / 60_000)}`)).toBeNull();
    } finally {
      prefixed.disconnect();
    }
  });
});
