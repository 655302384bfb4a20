import { spawnTs } from '@mdp/testing';

describe('velocity-poller main', () => {
  it('exits 1 and names the variables when the configuration is invalid', async () => {
    const lines: string[] = [];
    const child = spawnTs('apps/velocity-poller/src/main.ts', {
      env: {
        CMC_BASE_URL: 'ftp://nope',
        POLL_INTERVAL_MS: 'soon',
        CMC_MAX_INVALID_FRACTION: '2',
        LOG_LEVEL: 'info',
      },
      onLine: (line) => lines.push(line),
    });
    const code = await new Promise<number | null>((resolve) =>
      child.once('exit', (exitCode) => resolve(exitCode)),
    );
    expect(code).toBe(1);
    const fatal = lines
      .map((line) => JSON.parse(line) as { level: number; msg: string; problems: string[] })
      .find((line) => line.msg === 'invalid configuration');
    expect(fatal?.level).toBe(60);
    expect(fatal?.problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'CMC_BASE_URL',
      'CMC_MAX_INVALID_FRACTION',
      'POLL_INTERVAL_MS',
    ]);
  });
});
