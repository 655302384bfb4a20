import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const WORKSPACE_ROOT = path.resolve(__dirname, '../../../..');

/**
 * Starts a TypeScript file of this repo as a child Node process (compiled on the fly by
 * @swc-node/register, with the workspace's path aliases), for tests that kill or restart processes.
 * Lines the child prints on stdout are passed to `onLine`.
 */
export function spawnTs(
  file: string,
  { env = {}, onLine }: { env?: Record<string, string>; onLine?: (line: string) => void } = {},
): ChildProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', '-r', 'reflect-metadata', file], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: path.join(WORKSPACE_ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      onLine?.(line);
    }
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  child.on('exit', (code, signal) => {
    if (code && code !== 0 && !signal) process.stderr.write(`child ${file} exited ${code}: ${stderr}\n`);
  });
  return child;
}

export { WORKSPACE_ROOT };

/** How a service's `main.ts` ended when started with a bad configuration. */
export interface ConfigFailure {
  code: number | null;
  /** pino level of the `invalid configuration` line (60 = fatal), undefined when none was logged. */
  level: number | undefined;
  /** The variables it named, sorted. */
  variables: string[];
}

/**
 * Starts a service's `main.ts` with `env` and waits for it to exit; returns the exit code and the
 * variables its `invalid configuration` log line names (every main logs one and exits 1).
 */
export async function runWithInvalidConfig(
  main: string,
  env: Record<string, string>,
): Promise<ConfigFailure> {
  const lines: string[] = [];
  const child = spawnTs(main, { env: { LOG_LEVEL: 'info', ...env }, onLine: (line) => lines.push(line) });
  const code = await new Promise<number | null>((resolve) =>
    child.once('exit', (exitCode) => resolve(exitCode)),
  );
  const fatal = lines
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; problems?: string[] })
    .find((line) => line.msg === 'invalid configuration');
  return {
    code,
    level: fatal?.level,
    variables: (fatal?.problems ?? []).map((problem) => problem.split(':')[0]!).sort(),
  };
}
