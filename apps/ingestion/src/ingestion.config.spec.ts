import { ConfigError, loadConfig } from '@mdp/platform';
import { IngestionConfig, contractValuesOf, listOf } from './ingestion.config';

describe(IngestionConfig.name, () => {
  it('runs offline by default: the generator, with the seed-000 coins', () => {
    const config = loadConfig(IngestionConfig, {});
    expect(config.INGESTION_SOURCE).toBe('generator');
    expect(listOf(config.INGESTION_SYMBOLS)).toEqual(['BTC', 'ETH', 'HYPE']);
  });

  it('reads numbers and booleans from the environment', () => {
    const config = loadConfig(IngestionConfig, {
      INGESTION_REPLAY_SPEED: '2.5',
      INGESTION_SILENCE_MS: '750',
      INGESTION_BACKFILL: 'false',
    });
    expect([config.INGESTION_REPLAY_SPEED, config.INGESTION_SILENCE_MS, config.INGESTION_BACKFILL]).toEqual([
      2.5,
      750,
      false,
    ]);
  });

  it('names every bad variable', () => {
    expect(() =>
      loadConfig(IngestionConfig, {
        INGESTION_SOURCE: 'firehose',
        INGESTION_VENUES: 'binance,kraken',
        INGESTION_OKX_CONTRACT_VALUES: 'BTC',
      }),
    ).toThrow(ConfigError);
    try {
      loadConfig(IngestionConfig, {
        INGESTION_SOURCE: 'firehose',
        INGESTION_VENUES: 'binance,kraken',
        INGESTION_OKX_CONTRACT_VALUES: 'BTC',
      });
    } catch (error) {
      expect((error as ConfigError).problems.map((problem) => problem.split(':')[0])).toEqual([
        'INGESTION_SOURCE',
        'INGESTION_VENUES',
        'INGESTION_OKX_CONTRACT_VALUES',
      ]);
    }
  });

  it('parses contract values as INSTID:VALUE pairs', () => {
    expect(contractValuesOf('BTC-USDT-SWAP:0.01, ETH-USDT-SWAP:0.1')).toEqual({
      'BTC-USDT-SWAP': 0.01,
      'ETH-USDT-SWAP': 0.1,
    });
  });
});
