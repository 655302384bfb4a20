import { runWithInvalidConfig } from '@mdp/testing';

describe('ingestion main', () => {
  it('exits 1 and names the variables when the configuration is invalid', async () => {
    expect(
      await runWithInvalidConfig('apps/ingestion/src/main.ts', {
        INGESTION_SOURCE: 'firehose',
        INGESTION_VENUES: 'binance,kraken',
      }),
    ).toEqual({
      code: 1,
      level: 60,
      variables: ['INGESTION_SOURCE', 'INGESTION_VENUES'],
    });
  });
});
