/**
 * The gateway benchmark's fixed-rate client as a process of its own: PACED_OPTIONS is the JSON of
 * `PacedLoadOptions`; it runs PACED_WARMUP_SECONDS (default 2) at the same rate unrecorded (JIT,
 * connections), prints `measuring`, runs the measured run and prints `result <json of PacedRun>`.
 *
 * Its own process because the bench's main process, after the autocannon saturation runs, the
 * seeding and the TypeORM and ioredis clients, carries a heap whose collections stalled the client
 * for 17-27 ms at a time (1.3 s of GC in a 30 s run against 0.1 s in a fresh process on 2026-12-03),
 * and every stall was charged to the server under test.
 */
import { pacedLoad, type PacedLoadOptions } from './gateway-paced-load';

async function main(): Promise<void> {
  const options = JSON.parse(process.env['PACED_OPTIONS'] ?? '') as PacedLoadOptions;
  const warmup = Number(process.env['PACED_WARMUP_SECONDS'] ?? 2);
  if (warmup > 0) await pacedLoad({ ...options, seconds: warmup });
  process.stdout.write('measuring\n');
  const run = await pacedLoad(options);
  process.stdout.write(`result ${JSON.stringify(run)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
