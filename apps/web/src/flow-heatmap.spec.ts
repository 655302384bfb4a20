import { buildHeatmap } from './flow-heatmap';
import type { LiquidityNode, StoredFlowData } from './flow-types';

function node(price: number, netFlow: number, extra: Partial<LiquidityNode> = {}): [number, LiquidityNode] {
  return [
    price,
    {
      price,
      buyVolume: Math.max(netFlow, 0),
      sellVolume: Math.max(-netFlow, 0),
      netFlow,
      buyCount: 1,
      sellCount: 1,
      dominantSide: netFlow > 0 ? 'buy' : netFlow < 0 ? 'sell' : 'neutral',
      whaleActivity: false,
      liquidations: 0,
      timestamp: 0,
      ...extra,
    },
  ];
}

function snapshot(
  timestamp: number,
  nodes: Array<[number, LiquidityNode]>,
  lastPrice?: number,
): StoredFlowData {
  return {
    key: `liquidity-flow:BTC:1m:${timestamp}`,
    coin: 'BTC',
    timeWindow: '1m',
    timestamp,
    data: {
      nodes,
      metrics: {} as StoredFlowData['data']['metrics'],
      timeSeries:
        lastPrice === undefined
          ? []
          : [
              {
                timestamp,
                netFlow: 0,
                buyVolume: 0,
                sellVolume: 0,
                whaleFlow: 0,
                liquidationVolume: 0,
                price: lastPrice,
              },
            ],
    },
    expiresAt: timestamp + 3_600_000,
  };
}

describe('buildHeatmap', () => {
  it('puts snapshots in time order as columns and the distinct levels, highest first, as rows', () => {
    const map = buildHeatmap([
      snapshot(120_000, [node(101, -2, { liquidations: 1 })], 101.5),
      snapshot(60_000, [node(100, 3), node(102, 1, { whaleActivity: true })], 100.2),
    ]);
    expect(map.times).toEqual([60_000, 120_000]);
    expect(map.prices).toEqual([102, 101, 100]);
    expect(map.rowSize).toBe(1);
    expect(map.maxAbs).toBe(3);
    expect(map.currentPrice).toBe(101.5);
    expect(map.cells).toEqual([
      { column: 0, row: 2, netFlow: 3, buyVolume: 3, sellVolume: 0, whale: false, liquidations: 0 },
      { column: 0, row: 0, netFlow: 1, buyVolume: 1, sellVolume: 0, whale: true, liquidations: 0 },
      { column: 1, row: 1, netFlow: -2, buyVolume: 0, sellVolume: 2, whale: false, liquidations: 1 },
    ]);
  });

  it('keeps the price axis linear: levels without trades are empty rows', () => {
    const map = buildHeatmap([snapshot(0, [node(100, 1), node(101, -1), node(104, 2)])]);
    expect(map.prices).toEqual([104, 103, 102, 101, 100]);
    expect(map.cells.map(({ row, netFlow }) => [row, netFlow])).toEqual([
      [4, 1],
      [3, -1],
      [0, 2],
    ]);
  });

  it('merges levels into equal bands when there are more than maxRows, adding flows and keeping markers', () => {
    const map = buildHeatmap(
      [
        snapshot(0, [
          node(100, 1),
          node(101, 2, { whaleActivity: true }),
          node(102, -4),
          node(104, 1, { liquidations: 2 }),
        ]),
      ],
      2,
    );
    // Bands of (104 - 100) / 2 = 2: (102, 104] and [100, 102].
    expect(map.prices).toEqual([103, 101]);
    expect(map.rowSize).toBe(2);
    expect(map.cells).toEqual([
      { column: 0, row: 1, netFlow: -1, buyVolume: 3, sellVolume: 4, whale: true, liquidations: 0 },
      { column: 0, row: 0, netFlow: 1, buyVolume: 1, sellVolume: 0, whale: false, liquidations: 2 },
    ]);
    expect(map.maxAbs).toBe(1);
  });

  it('is empty for snapshots without nodes', () => {
    expect(buildHeatmap([snapshot(0, [])])).toEqual({
      times: [0],
      prices: [],
      rowSize: 0,
      cells: [],
      maxAbs: 0,
      currentPrice: null,
      path: [],
    });
  });

  it('extends the grid to the current price and lays the time series out as a path', () => {
    const map = buildHeatmap([snapshot(60_000, [node(100, 1), node(101, 1)], 103.2)], 48, 60_000);
    expect(map.prices).toEqual([103, 102, 101, 100]);
    expect(map.currentPrice).toBe(103.2);
    expect(map.path).toEqual([{ x: 0, price: 103.2 }]);
    const banded = buildHeatmap([snapshot(0, [node(100, 1)], 110)], 4);
    expect(banded.prices).toEqual([108.75, 106.25, 103.75, 101.25]);
  });
});
