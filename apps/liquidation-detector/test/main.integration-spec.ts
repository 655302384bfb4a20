import type Redis from 'ioredis';
import { LiquidationStream } from '@mdp/schemas';
import { aLiquidation } from '@mdp/schemas/testing';
import { createTestRedis, spawnTs, testRedisUrl, waitFor, runWithInvalidConfig } from '@mdp/testing';
import { StreamPublisher } from '@mdp/transport';
import { LiquidationStoreRepository, detectorCountersKey } from '@mdp/data-access-liquidation';
import { freePort } from '@mdp/testing';

describe('liquidation-detector main', () => {
  it('exits 1 and names the variables when the configuration is invalid', async () => {
    expect(
      await runWithInvalidConfig('apps/liquidation-detector/src/main.ts', {
        PERCENTILE_THRESHOLD: '120',
        REDIS_MAX_MEMORY: 'lots',
        DETECTOR_HEARTBEAT_MS: '1000',
        DETECTOR_LEASE_MS: '2000',
      }),
    ).toEqual({
      code: 1,
      level: 60,
      variables: ['DETECTOR_LEASE_MS', 'PERCENTILE_THRESHOLD', 'REDIS_MAX_MEMORY'],
    });
  });

  it('on SIGTERM writes the accepted liquidations it still holds, checkpoints, acknowledges and releases before exiting', async () => {
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
        LIQUIDATION_ACK_AFTER_STORE: 'false',
        // No checkpoint before SIGTERM: the batch is still held and its entries pending.
        DETECTOR_CHECKPOINT_INTERVAL_MS: '600000',
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
    const group = async () => {
      const groups = (await redis.xinfo('GROUPS', LiquidationStream.stream)) as unknown[][];
      const fields = groups.find((g) => g[1] === 'liquidation-detector')!;
      return { pending: fields[fields.indexOf('pending') + 1], lag: fields[fields.indexOf('lag') + 1] };
    };
    await waitFor('entries delivered', async () => (await group()).lag === 0);
    const store = new LiquidationStoreRepository(redis);
    expect(await store.count('BTC-USDT')).toBe(0); // held by the 10-minute batch timeout
    expect(await group()).toEqual({ pending: 1, lag: 0 }); // acknowledged after a checkpoint only
    expect(await redis.keys('liquidation-detector:{liquidation-detector}:checkpoint:*')).toEqual([]);
    const exit = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    child.kill('SIGTERM');
    expect(await exit).toBe('SIGTERM'); // Nest closes the app, then re-raises the signal
    expect(await store.count('BTC-USDT')).toBe(5);
    expect(await group()).toEqual({ pending: 0, lag: 0 });
    // Every partition checkpointed and released; the counters came with the checkpoints.
    expect((await redis.keys('liquidation-detector:{liquidation-detector}:checkpoint:*')).length).toBe(16);
    expect(await redis.keys('liquidation-detector:{liquidation-detector}:lease:*')).toEqual([]);
    expect(await redis.hgetall(detectorCountersKey())).toMatchObject({ processed: '5', stored: '5' });
    await publisher.close();
    await redis.quit();
  });
});
