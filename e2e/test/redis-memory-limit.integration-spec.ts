import type Redis from 'ioredis';
import { LiquidationStream } from '@mdp/schemas';
import { DetectorStateRepository, LiquidationStoreRepository } from '@mdp/data-access-liquidation';
import { waitFor } from '@mdp/testing';
import { PipelineEnv, compareIds } from '../harness/pipeline-env';
import { TestProducer } from '../harness/test-producer';
import { detectorStats, warmStats } from '../harness/recompute';

// Services start as processes and faults last seconds: beyond the run's 60 s default.
jest.setTimeout(Number(process.env['E2E_TEST_TIMEOUT_MS'] ?? 180_000));

/**
 * Issue 11 case 7: Redis at its memory limit (a private redis-server with maxmemory 24 MB and
 * seed 001's volatile-lru), filled by the test with keys that have no TTL (so they cannot be
 * evicted and the pressure stays).
 *
 * - 80 % then 90 %: the detector's storage modes engage (reduced, then critical: the circuit
 *   breaker holds accepted liquidations in memory instead of writing them) and recover when the
 *   memory is freed, writing what was held: its statistics then equal the warm store's exactly.
 * - 100 %: XADD is refused with OOM; the producer backs off and retries (its publish stays
 *   unresolved, nothing dropped); the streams are never evicted (volatile-lru evicts only keys with
 *   a TTL, and streams have none). Once memory is freed, every liquidation is in the warm store once.
 */
const MAXMEMORY = 24 * 1024 * 1024;
const CHUNK = 256 * 1024;

describe('Redis at its memory limit (issue 11, case 7)', () => {
  let env: PipelineEnv;
  afterEach(async () => env?.close());

  it('keeps every stream entry, backs the producer off, and the storage modes engage and recover', async () => {
    env = await PipelineEnv.start({
      redisArgs: ['--maxmemory', String(MAXMEMORY), '--maxmemory-policy', 'volatile-lru'],
    });
    const writer = env.service('warm-writer');
    const detector = env.service('liquidation-detector', { MEMORY_CHECK_INTERVAL_MS: '200' });
    await Promise.all([writer.start(), detector.start()]);
    // Events of the last few minutes: the reduced mode's cleanup keeps the last hour only.
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
    const producer = new TestProducer(env.client(), base, 100, 20);
    const filler = env.client();
    const state = new DetectorStateRepository(env.redis);
    const store = new LiquidationStoreRepository(env.redis);
    const stream = LiquidationStream.stream;
    const storedTotal = async () => (await store.count('BTC-USDT')) + (await store.count('ETH-USDT'));
    const modeIs = (mode: string) =>
      waitFor(`detector storage mode ${mode}`, async () => (await state.storageState())?.mode === mode, {
        timeoutMs: 15_000,
      });
    const modes: string[] = [];

    await producer.publishLiquidations(producer.makeLiquidations(500));
    await env.drained('liquidation-detector', [stream]);
    await modeIs('normal');

    await fillTo(filler, 0.8);
    await modeIs('reduced');
    modes.push('reduced');
    await producer.publishLiquidations(producer.makeLiquidations(300));
    await env.drained('liquidation-detector', [stream]);

    await fillTo(filler, 0.9);
    await modeIs('critical');
    modes.push('critical');
    const storedBeforeCritical = await storedTotal();
    await producer.publishLiquidations(producer.makeLiquidations(300));
    await env.drained('liquidation-detector', [stream]); // acknowledged, held in the detector's memory
    await env.drained('warm-writer', [stream]);
    const storedDuringCritical = await storedTotal();

    // Full: XADD refused with OOM. The producer keeps the events and retries.
    const entriesBefore = await env.redis.xlen(stream);
    // Large keys first, then small ones: Redis refuses a write only once used_memory is past
    // maxmemory, and a large SET is refused earlier (its own argument counts), so small keys fill
    // the last bytes.
    for (const size of [CHUNK, 4096, 128]) await fillTo(filler, Number.POSITIVE_INFINITY, size);
    // Keep it full: the services' own traffic frees a little memory now and then.
    let pressing = true;
    const pressure = (async () => {
      while (pressing) {
        await fillTo(filler, Number.POSITIVE_INFINITY, 128);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const retriesBefore = producer.publisher.stats.writeRetries;
    let published = false;
    const publishing = producer.publishLiquidations(producer.makeLiquidations(300)).then(() => {
      published = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const duringOom = {
      published,
      writeRetries: producer.publisher.stats.writeRetries - retriesBefore,
      streamEntries: await env.redis.xlen(stream),
    };

    pressing = false;
    await pressure;
    await filler.del(...(await filler.keys('fill:*')));
    await publishing;
    await modeIs('normal');
    modes.push('normal');
    await env.drained('warm-writer', [stream]);
    await env.drained('liquidation-detector', [stream]);
    // The held ones are written once the mode drops (all of them, unless volatile-lru evicted the
    // detector's keys while Redis was full; the report says).
    await waitFor(
      'the held liquidations written',
      async () => (await storedTotal()) === producer.liquidations.size,
      {
        timeoutMs: 5_000,
      },
    ).catch(() => undefined);

    const rows = await env.liquidationRows();
    const diff = compareIds(producer.liquidations.keys(), rows);
    const info = await env.redis.info('stats');
    const evictedKeys = Number(/evicted_keys:(\d+)/.exec(info)?.[1] ?? 0);
    const report = {
      published: producer.liquidations.size,
      entries: producer.log.length,
      streamEntries: await env.redis.xlen(stream),
      modes,
      storedBeforeCritical,
      storedDuringCritical,
      duringOom,
      evictedKeys,
      detectorStored: await storedTotal(),
      missing: diff.missing.length,
      extra: diff.extra.length,
      doubled: diff.doubled.length,
    };
    process.stdout.write(`redis memory limit case: ${JSON.stringify(report)}\n`);

    // The circuit breaker held the critical-mode liquidations instead of writing them.
    expect(storedDuringCritical).toBe(storedBeforeCritical);
    // Full: the producer was refused and backed off (its publish resolves only once every entry
    // is in), and the stream never lost an entry.
    expect(duringOom.writeRetries).toBeGreaterThan(0);
    expect(duringOom.streamEntries).toBeGreaterThanOrEqual(entriesBefore);
    // Streams are never evicted: every acknowledged entry is still there (no trimming at this volume).
    expect(await env.redis.xlen(stream)).toBe(producer.log.length);
    expect(diff).toEqual({ missing: [], extra: [], doubled: [] });
    expect(await env.deadLetters(stream)).toEqual([]);
    // volatile-lru may evict the detector's own keys (they have TTLs) when Redis is full; only when
    // none was evicted must its statistics equal the warm store's exactly.
    if (evictedKeys === 0) {
      for (const coin of ['BTC', 'ETH']) {
        const hot = await detectorStats(env.redis, `${coin}-USDT`, base);
        const warm = await warmStats(env, `${coin}-USDT`, base);
        expect(hot.total_count).toBe(warm.total_count);
      }
    }
  });
});

/** Adds keys without a TTL (not evictable under volatile-lru) until used_memory reaches `fraction` of maxmemory, or Redis refuses with OOM. */
async function fillTo(redis: Redis, fraction: number, size = CHUNK): Promise<void> {
  const chunk = 'x'.repeat(size);
  for (let i = 0; i < 100_000; i++) {
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    if (used >= MAXMEMORY * fraction) return;
    try {
      await redis.set(`fill:${Date.now()}:${i}`, chunk);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('OOM')) return;
      throw error;
    }
  }
}
