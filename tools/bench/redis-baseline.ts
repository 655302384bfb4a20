import { execFileSync } from 'node:child_process';

/**
 * The raw XADD rate of this Redis, measured by redis-benchmark with pipelining (-P 100): the
 * baseline every throughput benchmark divides by.
 */
export function measureRawXaddRate(redisUrl: string, requests = 300_000): number {
  const url = new URL(redisUrl);
  const args = ['-h', url.hostname, '-p', url.port || '6379', '-P', '100', '-n', String(requests), '--csv'];
  if (url.password) args.push('-a', decodeURIComponent(url.password));
  const key = `bench:raw-xadd:${process.pid}`;
  try {
    const output = execFileSync('redis-benchmark', [...args, 'XADD', key, '*', 'f', 'v'], {
      encoding: 'utf8',
    });
    // CSV: "test","rps",...  then a row per test
    const row = output.trim().split('\n').pop()!;
    const rate = Number(row.split(',')[1]!.replace(/"/g, ''));
    if (!Number.isFinite(rate)) throw new Error(`cannot read redis-benchmark output: ${output}`);
    return rate;
  } finally {
    execFileSync(
      'redis-cli',
      [
        '-h',
        url.hostname,
        '-p',
        url.port || '6379',
        ...(url.password ? ['-a', decodeURIComponent(url.password)] : []),
        'DEL',
        key,
      ],
      {
        stdio: 'ignore',
      },
    );
  }
}
