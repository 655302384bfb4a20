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
