import { aSignal } from '@mdp/schemas/testing';
import { createTestRedis } from '@mdp/testing';
import {
  ActiveSignalRepository,
  PercentileThresholdRepository,
  percentileThresholdsKey,
  type PercentileThreshold,
} from '../src';

const BTC: PercentileThreshold = {
  symbol: 'BTC-USDT',
  percentile: 80,
  threshold: 52_000.5,
  samples: 140,
  minSamples: 100,
  applies: true,
  updatedAt: 1_700_000_000_000,
};

describe(PercentileThresholdRepository.name, () => {
  it('writes thresholds per symbol with a TTL and reads one or all as stored JSON', async () => {
    const redis = await createTestRedis();
    const repository = new PercentileThresholdRepository(redis);
    const eth: PercentileThreshold = {
      ...BTC,
      symbol: 'ETH-USDT',
      threshold: null,
      samples: 3,
      applies: false,
    };
    await repository.write([eth, BTC], 120);
    expect(JSON.parse((await repository.oneJson('BTC-USDT'))!)).toEqual(BTC);
    expect((await repository.allJson()).map((json) => JSON.parse(json) as unknown)).toEqual([BTC, eth]);
    expect(await repository.oneJson('SOL-USDT')).toBeNull();
    const ttl = await redis.ttl(percentileThresholdsKey());
    expect(ttl).toBeGreaterThan(110);
    expect(ttl).toBeLessThanOrEqual(120);
    await repository.write([{ ...BTC, threshold: 60_000 }], 120);
    expect((JSON.parse((await repository.oneJson('BTC-USDT'))!) as PercentileThreshold).threshold).toBe(
      60_000,
    );
    await repository.write([], 120);
    await redis.quit();
  });
});

describe(`${ActiveSignalRepository.name} stored JSON`, () => {
  it('reads one and several active signals as stored, leaving out symbols without one', async () => {
    const redis = await createTestRedis();
    const repository = new ActiveSignalRepository(redis);
    const btc = aSignal({ symbol: 'BTC-USDT' });
    const eth = aSignal({ symbol: 'ETH-USDT', signalId: 'sig:eth' });
    await repository.activate(btc, 60);
    await repository.activate(eth, 60);
    expect(await repository.activeJson('BTC-USDT')).toBe(JSON.stringify(btc));
    expect(await repository.activeJson('SOL-USDT')).toBeNull();
    expect(await repository.activeJsonOf(['ETH-USDT', 'SOL-USDT', 'BTC-USDT'])).toEqual([
      JSON.stringify(eth),
      JSON.stringify(btc),
    ]);
    await redis.quit();
  });
});
