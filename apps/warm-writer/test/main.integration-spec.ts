import { spawnTs } from '@mdp/testing';

describe('warm-writer main', () => {
  it('exits 1 and names the variables when the configuration is invalid', async () => {
    const lines: string[] = [];
    const child = spawnTs('apps/warm-writer/src/main.ts', {
      env: { DATABASE_URL: 'mysql://nope', WARM_BULK_METHOD: 'carrier-pigeon', LOG_LEVEL: 'info' },
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
      'DATABASE_URL',
      'WARM_BULK_METHOD',
    ]);
  });
});
