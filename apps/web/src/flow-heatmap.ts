import type { StoredFlowData } from './flow-types';

/** One cell of the map: a price row in one snapshot's column. */
export interface HeatCell {
  column: number;
  row: number;
  netFlow: number;
  buyVolume: number;
  sellVolume: number;
  whale: boolean;
  liquidations: number;
}

/** What the flow map draws: columns are snapshots (time, oldest first), rows price levels (highest first). */
export interface Heatmap {
  /** Window start of each column. */
  times: number[];
  /** Price of each row's centre, descending. */
  prices: number[];
  /** Height of one row in price. */
  rowSize: number;
  cells: HeatCell[];
  /** Largest |netFlow| of a cell: the colour scale's extreme. */
  maxAbs: number;
  /** The last traded price: the newest snapshot's last time-series point (null with none). */
  currentPrice: number | null;
}

/**
 * Lays snapshots out as a grid. Node prices are the aggregator's levels; rows are spaced by their
 * smallest gap, and when that would make more than `maxRows` rows, levels are merged into `maxRows`
 * equal price bands (flows added, whale and liquidation markers kept), so a volatile hour still
 * fits the canvas. Either way the price axis is linear: row centre = prices[0] - row * rowSize.
 */
export function buildHeatmap(snapshots: readonly StoredFlowData[], maxRows = 48): Heatmap {
  const ordered = [...snapshots].sort((a, b) => a.timestamp - b.timestamp);
  const levels = new Set<number>();
  for (const snapshot of ordered) for (const [price] of snapshot.data.nodes) levels.add(price);
  const sorted = [...levels].sort((a, b) => b - a);
  const lastPoints = ordered.at(-1)?.data.timeSeries ?? [];
  const currentPrice = lastPoints.length > 0 ? lastPoints[lastPoints.length - 1]!.price : null;
  if (sorted.length === 0)
    return {
      times: ordered.map((s) => s.timestamp),
      prices: [],
      rowSize: 0,
      cells: [],
      maxAbs: 0,
      currentPrice,
    };

  // Rows on a regular price grid: the levels' smallest gap when the range fits in maxRows rows of
  // it (levels without trades stay empty rows, so the axis is linear), otherwise maxRows equal bands.
  const high = sorted[0]!;
  const low = sorted[sorted.length - 1]!;
  const gaps = sorted.slice(1).map((price, i) => sorted[i]! - price);
  const step = gaps.length > 0 ? Math.min(...gaps) : 0;
  let prices: number[];
  let rowOf: (price: number) => number;
  let rowSize: number;
  const gridRows = step > 0 ? Math.round((high - low) / step) + 1 : 1;
  if (gridRows <= maxRows) {
    rowSize = step > 0 ? step : Math.max(Math.abs(high) * 1e-4, 1e-9);
    prices = Array.from({ length: gridRows }, (_, row) => high - rowSize * row);
    rowOf = (price) => Math.round((high - price) / rowSize);
  } else {
    rowSize = (high - low) / maxRows;
    prices = Array.from({ length: maxRows }, (_, row) => high - rowSize * (row + 0.5));
    rowOf = (price) => Math.min(maxRows - 1, Math.floor((high - price) / rowSize));
  }

  const cells = new Map<string, HeatCell>();
  ordered.forEach((snapshot, column) => {
    for (const [price, node] of snapshot.data.nodes) {
      const row = rowOf(price);
      const id = `${column}:${row}`;
      const cell = cells.get(id);
      if (cell) {
        cell.netFlow += node.netFlow;
        cell.buyVolume += node.buyVolume;
        cell.sellVolume += node.sellVolume;
        cell.whale ||= node.whaleActivity;
        cell.liquidations += node.liquidations;
      } else
        cells.set(id, {
          column,
          row,
          netFlow: node.netFlow,
          buyVolume: node.buyVolume,
          sellVolume: node.sellVolume,
          whale: node.whaleActivity,
          liquidations: node.liquidations,
        });
    }
  });
  const all = [...cells.values()];
  const maxAbs = all.reduce((max, cell) => Math.max(max, Math.abs(cell.netFlow)), 0);
  return { times: ordered.map((s) => s.timestamp), prices, rowSize, cells: all, maxAbs, currentPrice };
}
