import { spawn } from 'node:child_process';
import path from 'node:path';
import type Redis from 'ioredis';
import { aLiquidation, aSignal } from '@mdp/schemas/testing';
import { WORKSPACE_ROOT, createTestRedis, testRedisUrl } from '@mdp/testing';
import {
  ActiveSignalRepository,
  DetectorStateRepository,
  LiquidationStoreRepository,
} from '@mdp/data-access-liquidation';

describe('liquidation dashboard', () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('prints memory, storage mode, evictions, counters, per-symbol statistics and active signals', async () => {
    const now = Date.now();
    await new LiquidationStoreRepository(redis).storeBatch(
      [
        aLiquidation({ eventId: 'a', orderSide: 'sell', notionalUsd: 20_000, ts: now }),
        aLiquidation({ eventId: 'b', orderSide: 'buy', notionalUsd: 30_000, ts: now }),
      ],
      'normal',
    );
    const state = new DetectorStateRepository(redis);
    await state.addCounters({ processed: 10, filtered: 8, stored: 2, signals: 1 });
    const memory = await state.readMemory(240 * 1024 * 1024);
    await state.writeStorageState({ ...memory, mode: 'reduced', updatedAt: now }, 60);
    await new ActiveSignalRepository(redis).activate(
      aSignal({ symbol: 'BTC-USDT', side: 'buy', entryReason: 'liquidation_long' }),
      60,
    );

    const output = await new Promise<string>((resolve, reject) => {
      const proc = spawn(
        process.execPath,
        [
          '-r',
          '@swc-node/register',
          'tools/liquidation-dashboard/liquidation-dashboard.ts',
          '--redis-url',
          testRedisUrl(),
          '--once',
          '--window',
          '5',
        ],
        {
          cwd: WORKSPACE_ROOT,
          env: { ...process.env, SWC_NODE_PROJECT: path.join(WORKSPACE_ROOT, 'tsconfig.json') },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let text = '';
      proc.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      proc.on('error', reject);
      proc.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`dashboard exited ${code}`))));
    });
    expect(output).toContain('Storage Mode:  reduced');
    expect(output).toMatch(/Evicted Keys:  \d+/);
    expect(output).toMatch(/Memory: +\d+\.\dMB \/ \d+MB/);
    expect(output).toContain('Processed:          10');
    expect(output).toContain('Filtered:           8');
    expect(output).toContain('Memory Rejections:  0');
    expect(output).toMatch(/BTC-USDT +2 +\$50,000 +1 +\$30,000 +1 +\$20,000/);
    expect(output).toMatch(/BTC-USDT +BUY +liquidation_long/);
  });
});
