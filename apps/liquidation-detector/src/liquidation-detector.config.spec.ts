import { ConfigError, loadConfig } from '@mdp/platform';
import { LiquidationDetectorConfig } from './liquidation-detector.config';
import { shardOf } from '@mdp/domain-flow';
import { DetectorPartitions } from './partitions/detector-partitions';
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

  it('defaults to replica 0 in group liquidation-detector with 16 partitions', () => {
    const partitions = DetectorPartitions.from(loadConfig(LiquidationDetectorConfig, {}));
    expect([partitions.replica, partitions.count, partitions.group]).toEqual([0, 16, 'liquidation-detector']);
  });

  it('gives replica k the group liquidation-detector-<k>, and reads the group names back', () => {
    const config = loadConfig(LiquidationDetectorConfig, { DETECTOR_REPLICA: '3', DETECTOR_PARTITIONS: '8' });
    const partitions = DetectorPartitions.from(config);
    expect([partitions.replica, partitions.count, partitions.group]).toEqual([
      3,
      8,
      'liquidation-detector-3',
    ]);
    expect(
      [
        'liquidation-detector',
        'liquidation-detector-3',
        'liquidation-detector-03',
        'liquidation-detector-x',
        'flow-aggregator',
      ].map((group) => DetectorPartitions.replicaOfGroup('liquidation-detector', group)),
    ).toEqual([0, 3, null, null, null]);
  });

  it('spreads the partitions over the live replicas in turn: each partition has exactly one owner', () => {
    const live = [0, 2, 5];
    const owners = Array.from({ length: 16 }, (_, partition) => DetectorPartitions.ownerOf(partition, live));
    expect(owners).toEqual([0, 2, 5, 0, 2, 5, 0, 2, 5, 0, 2, 5, 0, 2, 5, 0]);
    const partitions = new DetectorPartitions(0, 16);
    const symbols = ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'HYPE-USDT', 'XRP-USDT', 'DOGE-USDT', 'BTC-USD'];
    expect(symbols.map((symbol) => partitions.partitionOf(symbol))).toEqual(
      symbols.map((symbol) => shardOf(symbol, 16)),
    );
  });

  it.each([
    [{ DETECTOR_PARTITIONS: '0' }, 'DETECTOR_PARTITIONS'],
    [{ DETECTOR_PARTITIONS: '1025' }, 'DETECTOR_PARTITIONS'],
    [{ DETECTOR_PARTITIONS: 'two' }, 'DETECTOR_PARTITIONS'],
    [{ DETECTOR_REPLICA: '-1' }, 'DETECTOR_REPLICA'],
    [{ DETECTOR_REPLICA: '0.5' }, 'DETECTOR_REPLICA'],
    [{ DETECTOR_CHECKPOINT_INTERVAL_MS: '5' }, 'DETECTOR_CHECKPOINT_INTERVAL_MS'],
    [{ DETECTOR_HEARTBEAT_MS: '1000', DETECTOR_LEASE_MS: '2999' }, 'DETECTOR_LEASE_MS'],
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

  it('names the heartbeat in the message when the lease is too short', () => {
    let error: unknown;
    try {
      loadConfig(LiquidationDetectorConfig, { DETECTOR_HEARTBEAT_MS: '500', DETECTOR_LEASE_MS: '1000' });
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).problems).toEqual([
      'DETECTOR_LEASE_MS: DETECTOR_LEASE_MS must be at least 3 x DETECTOR_HEARTBEAT_MS (1500) (got 1000)',
    ]);
  });

  it('parses memory sizes', () => {
    expect(parseMemorySize('240mb')).toBe(240 * 1024 * 1024);
    expect(parseMemorySize('1GB')).toBe(1024 ** 3);
    expect(parseMemorySize('512')).toBe(512);
  });
});
