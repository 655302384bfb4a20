import { runWithInvalidConfig } from '@mdp/testing';

describe('warm-writer main', () => {
  it('exits 1 and names the variables when the configuration is invalid', async () => {
    expect(
      await runWithInvalidConfig('apps/warm-writer/src/main.ts', {
        DATABASE_URL: 'mysql://nope',
        WARM_BULK_METHOD: 'carrier-pigeon',
      }),
    ).toEqual({
      code: 1,
      level: 60,
      variables: ['DATABASE_URL', 'WARM_BULK_METHOD'],
    });
  });
});
