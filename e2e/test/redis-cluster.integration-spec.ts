import {
  CandleStream,
  LiquidationStream,
  TradeStream,
  type LiquidationMessage,
  type TradeMessage,
} from '@mdp/schemas';
import { decodeFlowSnapshot, flowIndexKey } from '@mdp/data-access-flow';
import { LiquidationStoreRepository } from '@mdp/data-access-liquidation';
import { decodeEntry } from '@mdp/transport';
import { PipelineEnv, compareIds } from '../harness/pipeline-env';
import { candleTradeCount, type SnapshotMetrics } from '../harness/recompute';

// Services start as processes and faults last seconds: beyond the run's 60 s default.
jest.setTimeout(Number(process.env['E2E_TEST_TIMEOUT_MS'] ?? 180_000));

/**
 * Issue 11 case 12: the whole pipeline (ingestion's generator -> detector and aggregator ->
 * warm writer) on a local three-master Redis Cluster, unchanged apart from
 * REDIS_URL=redis-cluster://... The generator is the producer here: what it got acknowledged is
 * what stream:{trades} and stream:{liquidations} hold (no trimming at this volume). Exact counts:
 * every liquidation once in the warm store, the detector's stored liquidations per symbol equal
 * the warm store's, and the aggregator's 1h snapshots and candles count every trade of the flow coins.
 */
const SECONDS = Number(process.env['E2E_CLUSTER_SECONDS'] ?? 6);
const FLOW_COINS = ['BTC', 'ETH', 'HYPE'];

describe('the pipeline on a three-master Redis Cluster (issue 11, case 12)', () => {
  let env: PipelineEnv;
  afterEach(async () => env?.close());

  it('runs unchanged apart from its URL, with exact counts end to end', async () => {
    env = await PipelineEnv.start({ cluster: true });
    const consumers = [
      env.service('warm-writer'),
      env.service('liquidation-detector'),
      env.service('flow-aggregator'),
    ];
    await Promise.all(consumers.map((service) => service.start()));
    const ingestion = env.service('ingestion', {
      INGESTION_SOURCE: 'generator',
      INGESTION_GENERATOR_RATE: '200',
    });
    await ingestion.start();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1_000));
    await ingestion.stop(); // SIGTERM: publishes what it holds, then exits

    await env.drained('warm-writer', [LiquidationStream.stream]);
    await env.drained('liquidation-detector', [LiquidationStream.stream, TradeStream.stream]);
    await env.drained('flow-aggregator', [LiquidationStream.stream, TradeStream.stream]);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // periodic snapshots and live candles
    await env.drained('warm-writer', [LiquidationStream.stream, CandleStream.stream]);

    const read = async <T>(stream: string): Promise<T[]> =>
      (await env.redis.xrangeBuffer(stream, '-', '+')).flatMap(
        ([, fields]) => decodeEntry(fields).events as T[],
      );
    const liquidations = new Map(
      (await read<LiquidationMessage>(LiquidationStream.stream)).map((event) => [event.eventId, event]),
    );
    const trades = new Map(
      (await read<TradeMessage>(TradeStream.stream)).map((event) => [
        `${event.exchange}:${event.symbol}:${event.tradeId}`,
        event,
      ]),
    );
    const rows = await env.liquidationRows();
    const diff = compareIds(liquidations.keys(), rows);

    const store = new LiquidationStoreRepository(env.redis);
    const symbols = [...new Set([...liquidations.values()].map((event) => event.symbol))].sort();
    const detectorVersusWarm = await Promise.all(
      symbols.map(async (symbol) => ({
        symbol,
        detector: await store.count(symbol),
        warm: await env.count('liquidations', `symbol = '${symbol}'`),
      })),
    );
    const flow = await Promise.all(
      FLOW_COINS.map(async (coin) => {
        let snapshotTrades = 0;
        let snapshotLiquidations = 0;
        for (const key of await env.redis.zrange(flowIndexKey(coin, '1h'), 0, -1)) {
          const value = await env.redis.get(key);
          if (value === null) continue;
          const metrics = (JSON.parse(decodeFlowSnapshot(value)) as { data: { metrics: SnapshotMetrics } })
            .data.metrics;
          snapshotTrades += metrics.totalTrades;
          snapshotLiquidations += metrics.totalLiquidations;
        }
        return {
          coin,
          snapshotTrades,
          fedTrades: [...trades.values()].filter((trade) => trade.base === coin).length,
          candleTrades: await candleTradeCount(env, coin),
          snapshotLiquidations,
          fedLiquidations: [...liquidations.values()].filter((event) => event.base === coin).length,
        };
      }),
    );
    const report = {
      seconds: SECONDS,
      trades: trades.size,
      liquidations: liquidations.size,
      stored: rows.size,
      missing: diff.missing.length,
      extra: diff.extra.length,
      doubled: diff.doubled.length,
      detectorVersusWarm,
      flow,
    };
    process.stdout.write(`redis cluster case: ${JSON.stringify(report)}\n`);

    expect(trades.size).toBeGreaterThan(SECONDS * 100);
    expect(liquidations.size).toBeGreaterThan(0);
    expect(diff).toEqual({ missing: [], extra: [], doubled: [] });
    for (const line of detectorVersusWarm) expect(line.detector).toBe(line.warm);
    for (const line of flow) {
      expect(line.snapshotTrades).toBe(line.fedTrades);
      expect(line.candleTrades).toBe(line.fedTrades);
      expect(line.snapshotLiquidations).toBe(line.fedLiquidations);
    }
    expect(await env.deadLetters(LiquidationStream.stream)).toEqual([]);
    expect(await env.deadLetters(TradeStream.stream)).toEqual([]);
    expect(consumers.every((service) => service.running)).toBe(true);
  });
});
