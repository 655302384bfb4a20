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
});
