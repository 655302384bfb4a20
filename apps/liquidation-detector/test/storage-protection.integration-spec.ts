import { Writable } from 'node:stream';
import Redis from 'ioredis';
import pino from 'pino';
import {
  LiquidationSignalStream,
  type LiquidationMessage,
  type LiquidationSignalMessage,
} from '@mdp/schemas';
import { aLiquidation, aTrade } from '@mdp/schemas/testing';
import { createLogger, loadConfig } from '@mdp/platform';
import { createTestRedis, waitFor } from '@mdp/testing';
import { decodeEntry } from '@mdp/transport';
import { LiquidationStoreRepository } from '@mdp/data-access-liquidation';
import { createDetectorComponents, type DetectorComponents } from '../src/liquidation-detector.components';
import { LiquidationDetectorConfig } from '../src/liquidation-detector.config';
import { LiquidationBatchWriter } from '../src/storage/liquidation-batch.writer';
import { DetectorCounterBuffer } from '../src/storage/detector-counter.buffer';
import { DetectorStateRepository } from '@mdp/data-access-liquidation';
import { PrivateRedis, freePort } from '@mdp/testing';

const logger = createLogger('liquidation-detector', process.env['TEST_LOG_LEVEL'] ?? 'silent');
const T0 = 1_700_000_020_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function liquidations(
  count: number,
  prefix: string,
  overrides: Partial<LiquidationMessage> = {},
): LiquidationMessage[] {
  return Array.from({ length: count }, (_, i) =>
    aLiquidation({ eventId: `${prefix}${i}`, notionalUsd: 50_000, ts: T0 + i, ...overrides }),
  );
}

describe(LiquidationBatchWriter.name, () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.quit();
  });

  function writer(
    batchSize: number,
    batchTimeoutMs: number,
  ): { writer: LiquidationBatchWriter; store: LiquidationStoreRepository } {
    const store = new LiquidationStoreRepository(redis);
    const counters = new DetectorCounterBuffer(new DetectorStateRepository(redis), logger, 1_000);
    return {
      writer: new LiquidationBatchWriter(store, counters, logger, { batchSize, batchTimeoutMs }),
      store,
    };
  }

  it('flushes as soon as a batch is full', async () => {
    const { writer: batchWriter, store } = writer(50, 60_000);
    for (const liquidation of liquidations(49, 'a')) batchWriter.enqueue(liquidation);
    await sleep(150);
    expect(await store.count('BTC-USDT')).toBe(0);
    batchWriter.enqueue(aLiquidation({ eventId: 'a49', ts: T0 + 49 }));
    await waitFor('the batch written', () => batchWriter.buffered === 0);
    expect(await store.count('BTC-USDT')).toBe(50);
    batchWriter.stop();
  });

  it('stored() writes what is waiting at once and resolves only when Redis has it; in critical mode at once', async () => {
    const { writer: batchWriter, store } = writer(50, 60_000);
    for (const liquidation of liquidations(7, 's')) batchWriter.enqueue(liquidation);
    const started = Date.now();
    await batchWriter.stored();
    expect(Date.now() - started).toBeLessThan(5_000); // not the minute-long batch timeout
    expect(batchWriter.buffered).toBe(0);
    expect(await store.count('BTC-USDT')).toBe(7);
    await batchWriter.stored(); // nothing waiting: at once
    batchWriter.setMode('critical');
    for (const liquidation of liquidations(3, 'h')) batchWriter.enqueue(liquidation);
    await batchWriter.stored(); // held in memory until the mode drops
    expect(batchWriter.buffered).toBe(3);
    expect(await store.count('BTC-USDT')).toBe(7);
    batchWriter.setMode('normal');
    await waitFor('the held records written', async () => (await store.count('BTC-USDT')) === 10);
    batchWriter.stop();
  });

  it('flushes a partial batch after its timeout', async () => {
    const { writer: batchWriter, store } = writer(50, 100);
    for (const liquidation of liquidations(3, 'b')) batchWriter.enqueue(liquidation);
    expect(batchWriter.buffered).toBe(3);
    await waitFor('the partial batch written', () => batchWriter.buffered === 0);
    expect(await store.count('BTC-USDT')).toBe(3);
    batchWriter.stop();
  });
  it('flushes a partial batch by timeout after a batch was written by size', async () => {
    const { writer: batchWriter, store } = writer(5, 100);
    for (const liquidation of liquidations(5, 'c')) batchWriter.enqueue(liquidation);
    await waitFor('the full batch written', () => batchWriter.buffered === 0);
    for (const liquidation of liquidations(2, 'd')) batchWriter.enqueue(liquidation);
    await waitFor('the partial batch written', () => batchWriter.buffered === 0);
    expect(await store.count('BTC-USDT')).toBe(7);
    batchWriter.stop();
  });
});

describe('memory protection on a private redis-server', () => {
  let server: PrivateRedis;
  let redis: Redis;
  let components: DetectorComponents | undefined;

  afterEach(async () => {
    await components?.stop();
    components = undefined;
    redis?.disconnect();
    await server?.stop();
  });

  it('moves normal -> reduced -> critical and back as memory fills and frees, holding liquidations in critical mode', async () => {
    server = new PrivateRedis(await freePort(), ['--maxmemory', '8mb', '--maxmemory-policy', 'volatile-ttl']);
    await server.start();
    redis = new Redis(server.url);
    const config = Object.assign(loadConfig(LiquidationDetectorConfig, { REDIS_URL: server.url }), {
      LIQUIDATION_BATCH_TIMEOUT_MS: 10,
    });
    const logged: Array<{ level: number; msg: string }> = [];
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    components = createDetectorComponents(config, redis, pino({ level: 'warn' }, capture));
    await components.coordinator.join();
    const { guard, writer, store } = components;
    const fillTo = async (pct: number, tag: string) => {
      const chunk = 'x'.repeat(16 * 1024);
      for (let i = 0; ; i++) {
        const memory = await components!.state.readMemory(0);
        if (memory.usedPct >= pct) return;
        const pipeline = redis.pipeline();
        for (let j = 0; j < 8; j++) pipeline.set(`junk:${tag}:${i}:${j}`, chunk, 'EX', 3_600);
        await pipeline.exec();
      }
    };
    const dropJunk = async (tag: string) => {
      const keys = await redis.keys(`junk:${tag}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    };

    await guard.check();
    expect(guard.mode).toBe('normal');
    await fillTo(77, 'a');
    await guard.check();
    expect(guard.mode).toBe('reduced');
    expect((await components.state.storageState())?.mode).toBe('reduced');

    expect(logged.some((line) => line.level === 50)).toBe(false);
    await fillTo(92, 'b');
    await guard.check();
    expect(guard.mode).toBe('critical');
    expect(logged.filter((line) => line.level === 50).map((line) => line.msg)).toEqual([
      'CRITICAL: Redis memory usage above 90%',
    ]);
    expect(logged.filter((line) => line.msg === 'storage mode changed').length).toBe(2);
    for (const liquidation of liquidations(60, 'held')) writer.enqueue(liquidation);
    await sleep(100);
    expect(writer.buffered).toBe(60);
    expect(await store.count('BTC-USDT')).toBe(0);

    await dropJunk('b');
    await dropJunk('a');
    await guard.check();
    expect(guard.mode).toBe('normal');
    await waitFor('held liquidations stored', async () => (await store.count('BTC-USDT')) === 60);
    expect(writer.buffered).toBe(0);
    expect(guard.transitions.map(({ from, to }) => `${from}->${to}`)).toEqual([
      'normal->reduced',
      'reduced->critical',
      'critical->normal',
    ]);
    expect(components.counters.totals.memory_rejections).toBe(60);
    expect((await components.state.storageState())?.mode).toBe('normal');
  });

  it('loses no signal and no accepted liquidation while Redis is briefly unreachable', async () => {
    server = new PrivateRedis(await freePort());
    await server.start();
    redis = new Redis(server.url);
    const config = Object.assign(
      loadConfig(LiquidationDetectorConfig, { REDIS_URL: server.url, ENABLE_PERCENTILE_FILTER: 'false' }),
      { LIQUIDATION_BATCH_TIMEOUT_MS: 10 },
    );
    components = createDetectorComponents(config, redis, logger);
    await components.coordinator.join();
    components.detection.onTrades([aTrade({ price: 100, size: 1, ts: T0 })]);

    await server.stop();
    const outcomes = components.detection.onLiquidations([
      aLiquidation({ eventId: 'down-1', orderSide: 'sell', price: 95, notionalUsd: 20_000, ts: T0 + 1_000 }),
      aLiquidation({
        eventId: 'down-2',
        orderSide: 'buy',
        positionSide: 'short',
        price: 105,
        notionalUsd: 30_000,
        ts: T0 + 2_000,
      }),
      ...liquidations(70, 'plain', { price: 100, ts: T0 + 3_000 }),
    ]);
    expect(outcomes.filter((o) => o.kind === 'accepted' && o.signal).length).toBe(2);
    await sleep(300);
    expect(components.writer.buffered).toBe(72);

    await server.start();
    const signals = await waitFor(
      'both signals on the stream',
      async () => {
        const entries = await redis.xrangeBuffer(LiquidationSignalStream.stream, '-', '+');
        const events = entries.flatMap(
          ([, fields]) => decodeEntry(fields).events as LiquidationSignalMessage[],
        );
        return events.length >= 2 ? events : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(new Set(signals.map((s) => s.signalId))).toEqual(new Set(['sig:down-1', 'sig:down-2']));
    await waitFor(
      'active signal',
      async () => (await components!.signals.active('BTC-USDT'))?.signalId === 'sig:down-2',
      { timeoutMs: 20_000 },
    );
    await waitFor('the local buffer written', () => components!.writer.buffered === 0, { timeoutMs: 20_000 });
    expect(await components.store.count('BTC-USDT')).toBe(72);
  });
});
