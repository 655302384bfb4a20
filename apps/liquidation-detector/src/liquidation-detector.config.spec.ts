import { ConfigError, loadConfig } from '@mdp/platform';
import { LiquidationDetectorConfig } from './liquidation-detector.config';
import { DetectorShard } from './detector-shard';
import { parseMemorySize } from './memory-size.util';

describe(LiquidationDetectorConfig.name, () => {
  it('defaults to the seed 001 settings', () => {
    const config = loadConfig(LiquidationDetectorConfig, {});
    expect({
      ENABLE_PERCENTILE_FILTER: config.ENABLE_PERCENTILE_FILTER,
      PERCENTILE_THRESHOLD: config.PERCENTILE_THRESHOLD,
      MIN_LIQUIDATION_SIZE_BTC: config.MIN_LIQUIDATION_SIZE_BTC,
      MIN_LIQUIDATION_SIZE_ETH: config.MIN_LIQUIDATION_SIZE_ETH,
      MIN_LIQUIDATION_SIZE_DEFAULT: config.MIN_LIQUIDATION_SIZE_DEFAULT,
      VWAP_ENABLED: config.VWAP_ENABLED,
      LONG_VWAP_OFFSET: config.LONG_VWAP_OFFSET,
      SHORT_VWAP_OFFSET: config.SHORT_VWAP_OFFSET,
      REDIS_MAX_MEMORY: config.REDIS_MAX_MEMORY,
      LIQUIDATION_BATCH_SIZE: config.LIQUIDATION_BATCH_SIZE,
      LIQUIDATION_BATCH_TIMEOUT_MS: config.LIQUIDATION_BATCH_TIMEOUT_MS,
      CLEANUP_INTERVAL_MS: config.CLEANUP_INTERVAL_MS,
      MEMORY_ALERT_PCT: config.MEMORY_ALERT_PCT,
    }).toEqual({
      ENABLE_PERCENTILE_FILTER: true,
      PERCENTILE_THRESHOLD: 80,
      MIN_LIQUIDATION_SIZE_BTC: 10_000,
      MIN_LIQUIDATION_SIZE_ETH: 5_000,
      MIN_LIQUIDATION_SIZE_DEFAULT: 1_000,
      VWAP_ENABLED: true,
      LONG_VWAP_OFFSET: 2,
      SHORT_VWAP_OFFSET: 2,
      REDIS_MAX_MEMORY: '240mb',
      LIQUIDATION_BATCH_SIZE: 50,
      LIQUIDATION_BATCH_TIMEOUT_MS: 100,
      CLEANUP_INTERVAL_MS: 300_000,
      MEMORY_ALERT_PCT: 90,
    });
  });

  it('reads the seed variables and names a bad one', () => {
    const config = loadConfig(LiquidationDetectorConfig, {
      ENABLE_PERCENTILE_FILTER: 'false',
      LONG_VWAP_OFFSET: '1.5',
      MIN_LIQUIDATION_SIZE_ETH: '7000',
    });
    expect([
      config.ENABLE_PERCENTILE_FILTER,
      config.LONG_VWAP_OFFSET,
      config.MIN_LIQUIDATION_SIZE_ETH,
    ]).toEqual([false, 1.5, 7000]);
    expect(() =>
      loadConfig(LiquidationDetectorConfig, { PERCENTILE_THRESHOLD: '120', REDIS_MAX_MEMORY: 'lots' }),
    ).toThrow(ConfigError);
    try {
      loadConfig(LiquidationDetectorConfig, { PERCENTILE_THRESHOLD: '120', REDIS_MAX_MEMORY: 'lots' });
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('PERCENTILE_THRESHOLD');
      expect(problems).toContain('REDIS_MAX_MEMORY');
    }
  });

  it('defaults to one shard in group liquidation-detector, owning every symbol', () => {
    const shard = DetectorShard.from(loadConfig(LiquidationDetectorConfig, {}));
    expect([shard.index, shard.count, shard.group]).toEqual([0, 1, 'liquidation-detector']);
    expect(['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'HYPE-USDT'].every((symbol) => shard.owns(symbol))).toBe(
      true,
    );
  });

  it('reads the shard; each shard has a group of its own and every symbol has exactly one owner', () => {
    const config = loadConfig(LiquidationDetectorConfig, {
      DETECTOR_SHARD_INDEX: '2',
      DETECTOR_SHARD_COUNT: '3',
    });
    expect([config.DETECTOR_SHARD_INDEX, config.DETECTOR_SHARD_COUNT]).toEqual([2, 3]);
    expect(DetectorShard.from(config).group).toBe('liquidation-detector-shard-2-of-3');
    const shards = [0, 1, 2].map((index) => new DetectorShard(index, 3));
    const symbols = ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'HYPE-USDT', 'XRP-USDT', 'DOGE-USDT', 'BTC-USD'];
    const owners = symbols.map((symbol) => shards.filter((shard) => shard.owns(symbol)).length);
    expect(owners).toEqual(symbols.map(() => 1));
    expect(new Set(symbols.map((symbol) => shards.findIndex((shard) => shard.owns(symbol))))).toEqual(
      new Set([0, 1, 2]),
    );
  });

  it.each([
    [{ DETECTOR_SHARD_COUNT: '0' }, 'DETECTOR_SHARD_COUNT'],
    [{ DETECTOR_SHARD_COUNT: '65' }, 'DETECTOR_SHARD_COUNT'],
    [{ DETECTOR_SHARD_COUNT: 'two' }, 'DETECTOR_SHARD_COUNT'],
    [{ DETECTOR_SHARD_INDEX: '-1', DETECTOR_SHARD_COUNT: '2' }, 'DETECTOR_SHARD_INDEX'],
    [{ DETECTOR_SHARD_INDEX: '0.5', DETECTOR_SHARD_COUNT: '2' }, 'DETECTOR_SHARD_INDEX'],
    [{ DETECTOR_SHARD_INDEX: '2', DETECTOR_SHARD_COUNT: '2' }, 'DETECTOR_SHARD_INDEX'],
    [{ DETECTOR_SHARD_INDEX: '1' }, 'DETECTOR_SHARD_INDEX'],
  ])('rejects %j naming %s', (env, name) => {
    let error: unknown;
    try {
      loadConfig(LiquidationDetectorConfig, env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain(name);
  });

  it('names the count in the message when the index is not below it', () => {
    let error: unknown;
    try {
      loadConfig(LiquidationDetectorConfig, { DETECTOR_SHARD_INDEX: '3', DETECTOR_SHARD_COUNT: '3' });
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).problems).toEqual([
      'DETECTOR_SHARD_INDEX: DETECTOR_SHARD_INDEX must be below DETECTOR_SHARD_COUNT (3) (got 3)',
    ]);
  });

  it('parses memory sizes', () => {
    expect(parseMemorySize('240mb')).toBe(240 * 1024 * 1024);
    expect(parseMemorySize('1GB')).toBe(1024 ** 3);
    expect(parseMemorySize('512')).toBe(512);
  });
});
