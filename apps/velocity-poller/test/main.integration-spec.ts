import { runWithInvalidConfig } from '@mdp/testing';

describe('velocity-poller main', () => {
  it('exits 1 and names the variables when the configuration is invalid', async () => {
    expect(
      await runWithInvalidConfig('apps/velocity-poller/src/main.ts', {
        CMC_BASE_URL: 'ftp://nope',
        POLL_INTERVAL_MS: 'soon',
        CMC_MAX_INVALID_FRACTION: '2',
      }),
    ).toEqual({
      code: 1,
      level: 60,
      variables: ['CMC_BASE_URL', 'CMC_MAX_INVALID_FRACTION', 'POLL_INTERVAL_MS'],
    });
  });
});
