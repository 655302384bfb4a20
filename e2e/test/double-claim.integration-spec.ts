import { LiquidationStream } from '@mdp/schemas';
import { TcpProxy } from '@mdp/testing';
import { PipelineEnv, compareIds } from '../harness/pipeline-env';
import { HOUR, TestProducer } from '../harness/test-producer';

// Services start as processes and faults last seconds: beyond the run's 60 s default.
jest.setTimeout(Number(process.env['E2E_TEST_TIMEOUT_MS'] ?? 180_000));

/**
 * Issue 11 case 2: two warm-writer replicas (two consumers each) with the reclaim idle time set
 * far too short (100 ms) and the database 60 ms away (a TCP proxy adding latency), so every write
 * outlasts it: live consumers claim each other's entries while they are still being written, and
 * both write them. No double effect: every liquidation is
 * one row, and the replicas' "written" counters add up to exactly the number of liquidations (the
 * second write of a claimed entry counts as a duplicate, changes nothing).
 */
describe('two consumers claiming the same entry (issue 11, case 2)', () => {
  let env: PipelineEnv;
  let proxy: TcpProxy;
  afterEach(async () => {
    await proxy?.close();
    await env?.close();
  });

  it('has no double effect: one row per liquidation, written once over both replicas', async () => {
    env = await PipelineEnv.start();
    const target = new URL(env.database.url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(env.database.url);
    proxied.host = `127.0.0.1:${await proxy.start()}`;
    proxy.latencyMs = 60;
    const replicaEnv = {
      DATABASE_URL: proxied.toString(),
      LOG_LEVEL: 'info',
      STREAM_CLAIM_IDLE_MS: '100',
      STREAM_CLAIM_INTERVAL_MS: '100',
      STREAM_READ_COUNT: '16',
      WARM_CONSUMERS: '2',
    };
    const replicas = [env.service('warm-writer', replicaEnv), env.service('warm-writer', replicaEnv)];
    await Promise.all(replicas.map((replica) => replica.start()));

    const base = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const producer = new TestProducer(env.client(), base, 10, 100);
    await producer.load({ batches: 20, liquidationsPerBatch: 400, intervalMs: 0 });
    await env.drained('warm-writer', [LiquidationStream.stream]);

    const rows = await env.liquidationRows();
    const diff = compareIds(producer.liquidations.keys(), rows);
    const claimed = replicas.reduce(
      (sum, replica) =>
        sum +
        replica
          .logged('claimed idle pending entries')
          .reduce((entries, line) => entries + Number(line['count'] ?? 0), 0),
      0,
    );
    const written = await Promise.all(
      replicas.map((replica) =>
        replica.metric('warm_writer_rows_total', { table: 'liquidations', outcome: 'written' }),
      ),
    );
    const duplicates = await Promise.all(
      replicas.map((replica) =>
        replica.metric('warm_writer_rows_total', { table: 'liquidations', outcome: 'duplicate' }),
      ),
    );
    const report = {
      published: producer.liquidations.size,
      entries: producer.log.length,
      entriesClaimedWhileLive: claimed,
      writtenPerReplica: written,
      duplicatesPerReplica: duplicates,
      missing: diff.missing.length,
      extra: diff.extra.length,
      doubled: diff.doubled.length,
    };
    process.stdout.write(`double claim case: ${JSON.stringify(report)}\n`);

    // The fault happened: live consumers took each other's entries and wrote them a second time.
    expect(claimed).toBeGreaterThan(0);
    expect(duplicates[0]! + duplicates[1]!).toBeGreaterThan(0);
    expect(diff).toEqual({ missing: [], extra: [], doubled: [] });
    expect(rows.size).toBe(8_000);
    expect(written[0]! + written[1]!).toBe(8_000);
    expect(await env.deadLetters(LiquidationStream.stream)).toEqual([]);
  });
});
