import { ConfigError, loadConfig } from '@mdp/platform';
import { LiquidationDetectorConfig } from './liquidation-detector.config';
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

  it('parses memory sizes', () => {
    expect(parseMemorySize('240mb')).toBe(240 * 1024 * 1024);
    expect(parseMemorySize('1GB')).toBe(1024 ** 3);
    expect(parseMemorySize('512')).toBe(512);
  });
});
