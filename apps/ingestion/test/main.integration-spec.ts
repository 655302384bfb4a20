import { spawnTs } from '@mdp/testing';

describe('ingestion main', () => {
  it('exits 1 and names the variable when the configuration is invalid', async () => {
    const lines: string[] = [];
    const child = spawnTs('apps/ingestion/src/main.ts', {
      env: { INGESTION_SOURCE: 'firehose', INGESTION_VENUES: 'binance,kraken', LOG_LEVEL: 'info' },
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
    expect(fatal?.problems.map((problem) => problem.split(':')[0])).toEqual([
      'INGESTION_SOURCE',
      'INGESTION_VENUES',
    ]);
  });
});
