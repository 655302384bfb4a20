import fc from 'fast-check';
import type { LiquidityNode } from './flow-data.types';
import { FlowWindowAccumulator, round8, type NodePruning } from './flow-window.accumulator';

// Window 1m starting at T, 5 s steps, BTC buckets of 10 USD, whales from 100k USD.
const T = 1_700_000_040_000;

function sample(): FlowWindowAccumulator {
  const window = new FlowWindowAccumulator(T, 60_000, 5_000, 10, 100_000);
  window.addTrade(65_001, 0.5, 32_500.5, 'buy', T + 1_000);
  window.addTrade(65_004, 2, 130_008, 'sell', T + 2_000); // whale
  window.addTrade(65_012, 0.25, 16_253, 'buy', T + 6_000);
  window.addTrade(65_019, 2, 130_038, 'buy', T + 7_000); // whale
  window.addLiquidation(64_995, 1.5, 'long', T + 8_000);
  window.addTrade(64_998, 0.5, 32_499, 'sell', T + 12_000);
  return window;
}

describe(FlowWindowAccumulator.name, () => {
  it('builds nodes, all 24 metrics and the time series of a known sequence (values worked out by hand)', () => {
    const data = sample().toFlowData();
    expect(data.nodes).toEqual([
      [
        64_990,
        {
          price: 64_990,
          buyVolume: 0,
          sellVolume: 0.5,
          netFlow: -0.5,
          buyCount: 0,
          sellCount: 1,
          dominantSide: 'sell',
          whaleActivity: false,
          liquidations: 1,
          timestamp: T + 12_000,
        },
      ],
      [
        65_000,
        {
          price: 65_000,
          buyVolume: 0.5,
          sellVolume: 2,
          netFlow: -1.5,
          buyCount: 1,
          sellCount: 1,
          dominantSide: 'sell',
          whaleActivity: true,
          liquidations: 0,
          timestamp: T + 2_000,
        },
      ],
      [
        65_010,
        {
          price: 65_010,
          buyVolume: 2.25,
          sellVolume: 0,
          netFlow: 2.25,
          buyCount: 2,
          sellCount: 0,
          dominantSide: 'buy',
          whaleActivity: true,
          liquidations: 0,
          timestamp: T + 7_000,
        },
      ],
    ]);
    expect(data.metrics).toEqual({
      totalBuyVolume: 2.75,
      totalSellVolume: 2.5,
      totalBuyNotional: 178_791.5,
      totalSellNotional: 162_507,
      netFlow: 0.25,
      flowDirection: 'inflow',
      totalTrades: 5,
      buyTradeCount: 3,
      sellTradeCount: 2,
      avgTradeSize: 1.05,
      whaleTradeCount: 2,
      whaleBuyVolume: 2,
      whaleSellVolume: 2,
      whaleNetFlow: 0,
      totalLiquidations: 1,
      longLiquidations: 1,
      shortLiquidations: 0,
      totalLiquidationVolume: 1.5,
      highestBuyLevel: 65_010,
      highestSellLevel: 65_000,
      mostActivePrice: 65_000,
      volumeImbalance: 0.04761905, // 0.25 / 5.25 to 8 decimals
      tradeImbalance: 0.2,
      whaleImbalance: 0,
    });
    expect(data.timeSeries).toEqual([
      {
        timestamp: T,
        netFlow: -1.5,
        buyVolume: 0.5,
        sellVolume: 2,
        whaleFlow: -2,
        liquidationVolume: 0,
        price: 65_004,
      },
      {
        timestamp: T + 5_000,
        netFlow: 2.25,
        buyVolume: 2.25,
        sellVolume: 0,
        whaleFlow: 2,
        liquidationVolume: 1.5,
        price: 65_019,
      },
      {
        timestamp: T + 10_000,
        netFlow: -0.5,
        buyVolume: 0,
        sellVolume: 0.5,
        whaleFlow: 0,
        liquidationVolume: 0,
        price: 64_998,
      },
    ]);
  });

  it('gives neutral and null metrics for an empty window', () => {
    const metrics = new FlowWindowAccumulator(T, 60_000, 5_000, 10, 100_000).toFlowData().metrics;
    expect(metrics.flowDirection).toBe('neutral');
    expect([metrics.highestBuyLevel, metrics.highestSellLevel, metrics.mostActivePrice]).toEqual([
      null,
      null,
      null,
    ]);
    expect([
      metrics.avgTradeSize,
      metrics.volumeImbalance,
      metrics.tradeImbalance,
      metrics.whaleImbalance,
    ]).toEqual([0, 0, 0, 0]);
  });

  it('prunes small nodes but keeps whale, liquidation and metric-referenced levels, and never changes the metrics', () => {
    const window = sample();
    window.addTrade(66_000, 0.01, 660, 'buy', T + 13_000); // tiny, far away
    const full = window.toFlowData();
    const pruned = window.toFlowData({ minVolumeShare: 0.05, maxNodes: 0 });
    expect(pruned.metrics).toEqual(full.metrics);
    expect(full.nodes.map(([price]) => price)).toEqual([64_990, 65_000, 65_010, 66_000]);
    expect(pruned.nodes.map(([price]) => price)).toEqual([64_990, 65_000, 65_010]);
    const capped = window.toFlowData({ minVolumeShare: 0, maxNodes: 2 });
    // 65_000 (most active, highest sell) and 65_010 (highest buy) are pinned; no room for the others.
    expect(capped.nodes.map(([price]) => price)).toEqual([65_000, 65_010]);
  });

  it('buckets prices down to the bucket size without float noise', () => {
    const window = new FlowWindowAccumulator(T, 60_000, 5_000, 0.1, 1e9);
    window.addTrade(0.3, 1, 0.3, 'buy', T);
    window.addTrade(0.39, 1, 0.39, 'buy', T);
    window.addTrade(0.4, 1, 0.4, 'sell', T);
    expect(window.toFlowData().nodes.map(([price, node]) => [price, node.buyCount, node.sellCount])).toEqual([
      [0.3, 2, 0],
      [0.4, 0, 1],
    ]);
  });

  it('keeps the leaders and prunes as a scan of every node would, in any order of trades, and after a checkpoint', () => {
    // A reference model: every node sorted by price, the leaders found by a scan (ties to the lower
    // price), the others past the share, the largest first up to maxNodes.
    const reference = (nodes: LiquidityNode[], pruning: NodePruning) => {
      const volume = (n: LiquidityNode) => n.buyVolume + n.sellVolume;
      const leader = (of: (n: LiquidityNode) => number) =>
        nodes.reduce<LiquidityNode | null>(
          (best, n) => (of(n) > 0 && (!best || of(n) > of(best)) ? n : best),
          null,
        );
      const leaders = [leader((n) => n.buyVolume), leader((n) => n.sellVolume), leader(volume)];
      const pinned = nodes.filter((n) => leaders.includes(n));
      const total = nodes.reduce((sum, n) => sum + volume(n), 0);
      let rest = nodes.filter(
        (n) =>
          !pinned.includes(n) &&
          (volume(n) >= pruning.minVolumeShare * total || n.whaleActivity || n.liquidations > 0),
      );
      if (pruning.maxNodes > 0 && pinned.length + rest.length > pruning.maxNodes)
        rest = [...rest]
          .sort((a, b) => volume(b) - volume(a) || a.price - b.price)
          .slice(0, Math.max(0, pruning.maxNodes - pinned.length));
      const kept = pinned.length + rest.length === nodes.length && pruning.minVolumeShare <= 0;
      return {
        leaders: leaders.map((n) => n?.price ?? null),
        prices: (kept ? nodes : [...pinned, ...rest].sort((a, b) => a.price - b.price)).map((n) => n.price),
      };
    };
    // Sizes in steps of 1/8 add up exactly, so the reference's volumes (rounded to 8 decimals)
    // compare as the accumulator's; few buckets make ties.
    const event = fc.record({
      bucket: fc.integer({ min: 0, max: 12 }),
      eighths: fc.integer({ min: 1, max: 6 }),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      whale: fc.boolean(),
      liquidation: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    });
    const pruning = fc.record({
      minVolumeShare: fc.constantFrom(0, 0.02, 0.1, 0.3),
      maxNodes: fc.integer({ min: 0, max: 8 }),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 80 }), pruning, fc.nat(80), (events, options, cut) => {
        let window = new FlowWindowAccumulator(T, 60_000, 5_000, 10, 100_000);
        events.forEach((e, i) => {
          if (i === cut) window = FlowWindowAccumulator.fromState(window.toState());
          const price = 1_000 + e.bucket * 10 + 1;
          if (e.liquidation)
            window.addLiquidation(price, e.eighths / 8, e.side === 'buy' ? 'short' : 'long', T + i);
          else window.addTrade(price, e.eighths / 8, e.whale ? 200_000 : 1_000, e.side, T + i);
        });
        const all = window.toFlowData().nodes.map(([, node]) => node);
        const expected = reference(all, options);
        const data = window.toFlowData(options);
        const { highestBuyLevel, highestSellLevel, mostActivePrice } = data.metrics;
        expect([highestBuyLevel, highestSellLevel, mostActivePrice]).toEqual(expected.leaders);
        expect(data.nodes.map(([price]) => price)).toEqual(expected.prices);
        expect(round8(all.reduce((sum, n) => sum + n.buyVolume, 0))).toBe(data.metrics.totalBuyVolume);
      }),
      { numRuns: 500 },
    );
  });
});
