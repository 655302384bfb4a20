import type Redis from 'ioredis';
import { createTestRedis, spawnTs, testRedisUrl, waitFor, runWithInvalidConfig } from '@mdp/testing';
import { StreamPublisher } from '@mdp/transport';
import { TradeStream } from '@mdp/schemas';
import { aTrade } from '@mdp/schemas/testing';

describe('flow-aggregator main', () => {
  it('exits 1 and names the variables when the configuration is invalid', async () => {
    expect(
      await runWithInvalidConfig('apps/flow-aggregator/src/main.ts', {
        FLOW_WINDOWS: '1m,2m',
        FLOW_BUCKET_SIZES: 'BTC=10',
      }),
    ).toEqual({
      code: 1,
      level: 60,
      variables: ['FLOW_BUCKET_SIZES', 'FLOW_WINDOWS'],
    });
  });

  it('serves readiness, aggregates, and on SIGTERM writes the open windows before exiting', async () => {
    const redis: Redis = await createTestRedis();
    const port = 39_000 + Number(process.env['JEST_WORKER_ID'] ?? '1');
    const child = spawnTs('apps/flow-aggregator/src/main.ts', {
      env: {
        REDIS_URL: testRedisUrl(),
        HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        FLOW_PUBLISH_INTERVAL_MS: '3600000',
      },
    });
    try {
      const ready = await waitFor(
        'ready',
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
          return response.status === 200
            ? ((await response.json()) as { checks: { consumer: { group: string } } })
            : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 100 },
      );
      expect(ready.checks.consumer.group).toBe('flow-aggregator');
      const now = Date.now();
      const publisher = new StreamPublisher(redis);
      await publisher.publish(TradeStream, [
        aTrade({ ts: now, recvTs: now, price: 65_000, size: 2, notionalUsd: 130_000 }),
      ]);
      await publisher.close();
      await waitFor('consumed', async () => {
        const groups = (await redis.xinfo('GROUPS', TradeStream.stream)) as unknown[][];
        return (
          groups[0]?.[groups[0].indexOf('lag') + 1] === 0 &&
          groups[0]?.[groups[0].indexOf('pending') + 1] === 0
        );
      });
      expect(await redis.keys('liquidity-flow:BTC:1m:*')).toEqual([]); // the publish interval is an hour
      const exited = new Promise<string>((resolve) =>
        child.once('exit', (code, signal) => resolve(`${code}/${signal}`)),
      );
      child.kill('SIGTERM');
      // Nest's shutdown hooks close the app, then re-raise the signal: the process ends by SIGTERM.
      expect(await exited).toBe('null/SIGTERM');
      const key = `liquidity-flow:BTC:1m:${now - (now % 60_000)}`;
      expect(JSON.parse((await redis.get(key))!)).toMatchObject({
        key,
        data: { metrics: { totalTrades: 1, whaleTradeCount: 1, netFlow: 2 } },
      });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await redis.quit();
    }
  }, 90_000);
});
