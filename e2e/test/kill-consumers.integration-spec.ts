import { CandleStream, LiquidationStream, TradeStream } from '@mdp/schemas';
import { waitFor } from '@mdp/testing';
import { PipelineEnv, compareIds } from '../harness/pipeline-env';
import { HOUR, TestProducer } from '../harness/test-producer';
import type { ServiceProcess } from '../harness/service-process';
import {
  candleTradeCount,
  detectorStats,
  flowSnapshot,
  recomputeFlowMetrics,
  warmStats,
} from '../harness/recompute';

// Services start as processes and faults last seconds: beyond the run's 60 s default.
jest.setTimeout(Number(process.env['E2E_TEST_TIMEOUT_MS'] ?? 180_000));

/**
 * Issue 11 case 1: kill -9 of each consumer service mid-batch (entries read, not yet acknowledged),
 * under load, then a restart. Nothing acknowledged by Redis is lost or doubled: every liquidation
 * is once in the warm store, and the hot aggregates equal a recomputation from what was fed.
 */
const BATCHES = Number(process.env['E2E_KILL_BATCHES'] ?? 60);

describe('kill -9 of each consumer under load (issue 11, case 1)', () => {
  let env: PipelineEnv;
  let base: number;
  let producer: TestProducer;
  const killedWithPending: Record<string, number> = {};
  afterAll(async () => env?.close());

  beforeAll(async () => {
    env = await PipelineEnv.start();
    const writer = env.service('warm-writer');
    const detector = env.service('liquidation-detector');
    const aggregator = env.service('flow-aggregator');
    await Promise.all([writer.start(), detector.start(), aggregator.start()]);

    base = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    producer = new TestProducer(env.client(), base, 100);
    const restarts: Array<Promise<void>> = [];
    // Each service is killed at its own point of the load, while it holds read, unacknowledged
    // entries, and restarted a few batches later (a new consumer name: the old one's entries are
    // claimed after STREAM_CLAIM_IDLE_MS).
    const plan: Array<{ at: number; service: ServiceProcess; group: string; stream: string }> = [
      {
        at: Math.floor(BATCHES * 0.2),
        service: writer,
        group: 'warm-writer',
        stream: LiquidationStream.stream,
      },
      {
        at: Math.floor(BATCHES * 0.4),
        service: detector,
        group: 'liquidation-detector',
        stream: LiquidationStream.stream,
      },
      {
        at: Math.floor(BATCHES * 0.6),
        service: aggregator,
        group: 'flow-aggregator',
        stream: TradeStream.stream,
      },
    ];
    await producer.load({
      batches: BATCHES,
      liquidationsPerBatch: 40,
      tradesPerBatch: 100,
      intervalMs: 25,
      onBatch: async (batch) => {
        for (const step of plan) {
          if (batch !== step.at) continue;
          // Mid-batch: wait until the service holds entries it read and has not acknowledged.
          const pending = await waitFor(
            `${step.group} to hold pending entries`,
            async () => {
              const state = await env.groupState(step.stream, step.group);
              if (state && state.pending > 0) return state.pending;
              // Nothing in flight at this instant (the producer waits for us, and a fast consumer
              // acknowledges within a millisecond): give it more to read, logged like the rest.
              if (step.stream === TradeStream.stream) await producer.publishTrades(producer.makeTrades(500));
              else await producer.publishLiquidations(producer.makeLiquidations(40));
              return undefined;
            },
            { timeoutMs: 10_000, intervalMs: 1 },
          );
          await step.service.kill9();
          killedWithPending[step.group] = pending;
          restarts.push(
            new Promise((resolve) => setTimeout(resolve, 1_500)).then(() => step.service.start()),
          );
        }
      },
    });
    await Promise.all(restarts);
    await producer.publisher.flush();

    const streams = [LiquidationStream.stream, TradeStream.stream];
    await env.drained('liquidation-detector', [LiquidationStream.stream, TradeStream.stream]);
    await env.drained('flow-aggregator', streams);
    await env.drained('warm-writer', [LiquidationStream.stream]);
    // The aggregator writes its snapshot and live candles every second; closed candles reach the writer.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await env.drained('warm-writer', [LiquidationStream.stream, CandleStream.stream]);
  }, 240_000);

  it('every liquidation acknowledged by Redis is in the warm store exactly once, none dead-lettered', async () => {
    // Warm store against the producer's log: 0 missing, 0 extra, 0 doubled, nothing dead-lettered.
    const rows = await env.liquidationRows();
    const diff = compareIds(producer.liquidations.keys(), rows);
    const report = {
      published: { liquidations: producer.liquidations.size, trades: producer.trades.size },
      entries: producer.log.length,
      killedWithPending,
      stored: rows.size,
      missing: diff.missing.length,
      extra: diff.extra.length,
      doubled: diff.doubled.length,
    };
    process.stdout.write(`kill -9 case: ${JSON.stringify(report)}\n`);
    // Each service was killed holding read, unacknowledged entries.
    expect(Object.keys(killedWithPending).sort()).toEqual([
      'flow-aggregator',
      'liquidation-detector',
      'warm-writer',
    ]);
    expect(Math.min(...Object.values(killedWithPending))).toBeGreaterThan(0);
    expect(diff).toEqual({ missing: [], extra: [], doubled: [] });
    // Every liquidation published (the load, plus any the wait for pending entries added) is stored.
    expect(rows.size).toBe(producer.liquidations.size);
    expect(rows.size).toBeGreaterThanOrEqual(BATCHES * 40);
    expect(await env.deadLetters(LiquidationStream.stream)).toEqual([]);
    expect(await env.deadLetters(TradeStream.stream)).toEqual([]);
  });

  it("the detector's statistics equal a recomputation from the warm store's liquidations over the same hour", async () => {
    for (const coin of ['BTC', 'ETH']) {
      const symbol = `${coin}-USDT`;
      const hot = await detectorStats(env.redis, symbol, base);
      const warm = await warmStats(env, symbol, base);
      const compared = {
        hot: {
          total_count: hot.total_count,
          buy_count: hot.buy_count,
          sell_count: hot.sell_count,
          total_volume: Math.round(hot.total_volume * 100) / 100,
        },
        recomputed: { ...warm, total_volume: Math.round(warm.total_volume * 100) / 100 },
      };
      process.stdout.write(`kill -9 case, detector ${symbol}: ${JSON.stringify(compared)}\n`);
      const { total_volume: hotVolume, ...hotCounts } = compared.hot;
      const { total_volume: warmVolume, ...warmCounts } = compared.recomputed;
      expect(hotCounts).toEqual(warmCounts);
      expect(Math.abs(hotVolume - warmVolume)).toBeLessThan(0.05);
      expect(compared.hot.total_count).toBe(producer.liquidations.size / 2);
    }
  });

  // The aggregator acknowledges an entry only after a checkpoint of its whole state holds the entry's
  // events; the restarted one restores that checkpoint and handles what its predecessor had read
  // since before anything new (docs/flow-aggregator.md, "Checkpoint and recovery").
  it('the flow snapshot metrics and candles equal a recomputation from the fed trades and liquidations', async () => {
    const hotVersusRecomputed: Record<string, { hot: unknown; recomputed: unknown }> = {};
    for (const coin of ['BTC', 'ETH']) {
      const fedTrades = [...producer.trades.values()].filter((trade) => trade.base === coin);
      const fedLiquidations = [...producer.liquidations.values()].filter((event) => event.base === coin);
      const metrics = await waitFor(
        `the ${coin} 1h snapshot`,
        async () => (await flowSnapshot(env.redis, coin, base)) ?? undefined,
      );
      hotVersusRecomputed[`flow ${coin} 1h`] = {
        hot: {
          totalTrades: metrics.totalTrades,
          buyTradeCount: metrics.buyTradeCount,
          sellTradeCount: metrics.sellTradeCount,
          totalLiquidations: metrics.totalLiquidations,
          candleTrades: await candleTradeCount(env, coin),
        },
        recomputed: {
          totalTrades: fedTrades.length,
          buyTradeCount: fedTrades.filter((trade) => trade.side === 'buy').length,
          sellTradeCount: fedTrades.filter((trade) => trade.side === 'sell').length,
          totalLiquidations: fedLiquidations.length,
          candleTrades: fedTrades.length,
        },
      };
    }
    process.stdout.write(`kill -9 case, flow vs recomputed: ${JSON.stringify(hotVersusRecomputed)}\n`);
    for (const [what, { hot, recomputed }] of Object.entries(hotVersusRecomputed))
      expect({ what, ...(hot as object) }).toEqual({ what, ...(recomputed as object) });
    // Every one of the 24 metrics (volumes, notionals, whale flow, levels, imbalances), exactly: the
    // events recomputed in stream order, as the aggregator adds them.
    for (const coin of ['BTC', 'ETH'] as const) {
      const metrics = await flowSnapshot(env.redis, coin, base);
      expect({ coin, ...metrics }).toEqual({
        coin,
        ...recomputeFlowMetrics(coin, base, producer.trades.values(), producer.liquidations.values()),
      });
    }
  });
});
