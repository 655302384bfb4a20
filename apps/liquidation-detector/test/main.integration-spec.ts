import type Redis from 'ioredis';
import { LiquidationStream } from '@mdp/schemas';
import { aLiquidation } from '@mdp/schemas/testing';
import { createTestRedis, spawnTs, testRedisUrl, waitFor, runWithInvalidConfig } from '@mdp/testing';
import { StreamPublisher } from '@mdp/transport';
import { LiquidationStoreRepository } from '@mdp/data-access-liquidation';
import { freePort } from '@mdp/testing';

describe('liquidation-detector main', () => {
  it('exits 1 and names the variables when the configuration is invalid', async () => {
    expect(
      await runWithInvalidConfig('apps/liquidation-detector/src/main.ts', {
        PERCENTILE_THRESHOLD: '120',
        REDIS_MAX_MEMORY: 'lots',
        DETECTOR_SHARD_INDEX: '2',
        DETECTOR_SHARD_COUNT: '2',
      }),
    ).toEqual({
      code: 1,
      level: 60,
      variables: ['DETECTOR_SHARD_INDEX', 'PERCENTILE_THRESHOLD', 'REDIS_MAX_MEMORY'],
    });
  });

  it('on SIGTERM writes the accepted liquidations it still holds before exiting', async () => {
    const redis: Redis = await createTestRedis();
    const lines: string[] = [];
    const child = spawnTs('apps/liquidation-detector/src/main.ts', {
      env: {
        REDIS_URL: testRedisUrl(),
        HTTP_PORT: String(await freePort()),
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        LIQUIDATION_BATCH_SIZE: '1000',
        LIQUIDATION_BATCH_TIMEOUT_MS: '600000',
        // Acknowledged when accepted, so the batch is still held when SIGTERM comes.
        LIQUIDATION_ACK_AFTER_STORE: 'false',
        STREAM_BLOCK_MS: '200',
      },
      onLine: (line) => lines.push(line),
    });
    await waitFor('started', () => lines.some((line) => line.includes('liquidation detector started')), {
      timeoutMs: 20_000,
    });
    const publisher = new StreamPublisher(redis);
    await publisher.publish(
      LiquidationStream,
      Array.from({ length: 5 }, (_, i) =>
        aLiquidation({ eventId: `held-${i}`, notionalUsd: 50_000, ts: 1_700_000_000_000 + i }),
      ),
    );
    await waitFor('entries acknowledged', async () => {
      const groups = (await redis.xinfo('GROUPS', LiquidationStream.stream)) as unknown[][];
      const group = groups.find((fields) => fields[1] === 'liquidation-detector');
      return group !== undefined && group[5] === 0 && group[11] === 0;
    });
    const store = new LiquidationStoreRepository(redis);
    expect(await store.count('BTC-USDT')).toBe(0); // held by the 10-minute batch timeout
    const exit = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    child.kill('SIGTERM');
    expect(await exit).toBe('SIGTERM'); // Nest closes the app, then re-raises the signal
    expect(await store.count('BTC-USDT')).toBe(5);
    await publisher.close();
    await redis.quit();
  });
});
