import { spawn } from 'node:child_process';
import path from 'node:path';
import { WORKSPACE_ROOT } from '@mdp/testing';

/** Runs the documented restore drill end to end: PostgreSQL dump/restore and Redis AOF/RDB restore. */
describe('backup restore drill', () => {
  it('restores PostgreSQL and Redis backups with every row and key intact', async () => {
    const admin = new URL(process.env['MDP_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test');
    admin.pathname = '/postgres';
    const child = spawn(
      'bash',
      [path.join(WORKSPACE_ROOT, 'tools/backup/restore-drill.sh'), admin.toString()],
      { cwd: WORKSPACE_ROOT },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect({ code, tail: output.split('\n').slice(-4).join('\n') }).toMatchObject({ code: 0 });
    expect(output).toContain('PostgreSQL drill passed');
    expect(output).toContain('Redis drill passed from aof');
    expect(output).toContain('Redis drill passed from rdb');
    const [source, restored] = ['source:', 'restored:'].map((label) =>
      output
        .split('\n')
        .find((line) => line.startsWith(label))!
        .replace(label, '')
        .trim(),
    );
    expect(restored).toBe(source);
    expect(source).toContain('candles_1m=100000');
  }, 200_000);
});
