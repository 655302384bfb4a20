import { ConfigError, loadConfig } from '@mdp/platform';
import { FlowAggregatorConfig } from './flow-aggregator.config';
import { flowSettingsFrom } from './flow/flow-settings';

describe(FlowAggregatorConfig.name, () => {
  it('defaults to BTC, ETH, HYPE over the seed windows, replica 0 in group flow-aggregator, 16 partitions', () => {
    const settings = flowSettingsFrom(loadConfig(FlowAggregatorConfig, {}));
    expect([...settings.coins]).toEqual([
      ['BTC', { bucketSize: 10, whaleNotionalUsd: 100_000 }],
      ['ETH', { bucketSize: 1, whaleNotionalUsd: 50_000 }],
      ['HYPE', { bucketSize: 0.01, whaleNotionalUsd: 25_000 }],
    ]);
    expect(settings.windows).toEqual(['1m', '5m', '15m', '1h', '4h']);
    expect(settings.timeframes).toEqual(['1m', '5m', '15m', '1h', '4h', '1d']);
    expect(settings.group).toBe('flow-aggregator');
    expect(loadConfig(FlowAggregatorConfig, {}).FLOW_PARTITIONS).toBe(16);
  });

  it('reads coins, buckets, whale thresholds and the replica number from the environment', () => {
    const config = loadConfig(FlowAggregatorConfig, {
      FLOW_COINS: 'SOL,BTC',
      FLOW_BUCKET_SIZES: 'SOL:0.05',
      FLOW_WHALE_THRESHOLDS_USD: 'BTC:250000',
      FLOW_DEFAULT_BUCKET_SIZE: '5',
      FLOW_REPLICA: '2',
      FLOW_GRACE_MS: '10000',
      FLOW_WALL_CLOCK_CLOSE: 'false',
    });
    const settings = flowSettingsFrom(config);
    expect([...settings.coins]).toEqual([
      ['SOL', { bucketSize: 0.05, whaleNotionalUsd: 100_000 }],
      ['BTC', { bucketSize: 5, whaleNotionalUsd: 250_000 }],
    ]);
    expect(settings.group).toBe('flow-aggregator-2');
    expect([config.FLOW_GRACE_MS, config.FLOW_WALL_CLOCK_CLOSE]).toEqual([10_000, false]);
  });

  it.each([
    ['FLOW_COINS', 'btc'],
    ['FLOW_WINDOWS', '1m,2m'],
    ['FLOW_BUCKET_SIZES', 'BTC=10'],
    ['CANDLE_TIMEFRAMES', '1w'],
    ['FLOW_PARTITIONS', '0'],
    ['FLOW_LEASE_MS', '2000'],
    ['FLOW_PRUNE_MIN_VOLUME_SHARE', '2'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig(FlowAggregatorConfig, { [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain(name);
  });
});
