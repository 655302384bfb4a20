import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { WORKSPACE_ROOT } from '@mdp/testing';
import type { SqlSession } from '../src';
import type { PgliteReply, PgliteRequest } from './pglite-host';

/**
 * An in-process PostgreSQL 17 with the TimescaleDB extension (the WASM build), as a SqlSession.
 * It runs in a child Node process (pglite-host.ts) because PGlite's dynamic imports do not work
 * inside Jest's sandbox; queries go over the IPC channel with structured clone (Dates survive).
 */
export class PgliteSession implements SqlSession {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: PgliteReply) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: PgliteReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
  }

  static async create(): Promise<PgliteSession> {
    const child = fork(path.join(__dirname, 'pglite-host.ts'), [], {
      cwd: WORKSPACE_ROOT,
      execArgv: ['-r', '@swc-node/register'],
      env: { ...process.env, SWC_NODE_PROJECT: path.join(WORKSPACE_ROOT, 'tsconfig.json') },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`PGlite host exited with ${code}`)));
    });
    return new PgliteSession(child);
  }

  async query<T extends object = Record<string, unknown>>(
    text: string,
    params: readonly unknown[] = [],
  ): Promise<{ rows: T[]; rowCount: number }> {
    const reply = await this.request({ kind: 'query', sql: text, params: [...params] });
    return { rows: (reply.rows ?? []) as T[], rowCount: reply.rowCount ?? 0 };
  }

  /** Runs a `COPY ... FROM '/dev/blob'` statement reading `data`; returns the rows copied. */
  async copy(text: string, data: Uint8Array): Promise<number> {
    const reply = await this.request({ kind: 'copy', sql: text, data });
    return reply.rowCount ?? 0;
  }

  async execScript(sql: string): Promise<void> {
    await this.request({ kind: 'exec', sql });
  }

  async close(): Promise<void> {
    if (!this.child.connected) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.request({ kind: 'close' }).catch(() => undefined);
    await exited;
  }

  private request(request: Omit<PgliteRequest, 'id'>): Promise<PgliteReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => {
        if (reply.error) reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
        else resolve(reply);
      });
      this.child.send({ id, ...request });
    });
  }
}
