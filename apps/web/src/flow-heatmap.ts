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
  /** The snapshots' time series as a price path: column plus the fraction of the window elapsed. */
  path: Array<{ x: number; price: number }>;
}

/**
 * Lays snapshots out as a grid. Node prices are the aggregator's levels; rows are spaced by their
 * smallest gap, and when that would make more than `maxRows` rows, levels are merged into `maxRows`
 * equal price bands (flows added, whale and liquidation markers kept), so a volatile hour still
 * fits the canvas. Either way the price axis is linear: row centre = prices[0] - row * rowSize.
 */
export function buildHeatmap(snapshots: readonly StoredFlowData[], maxRows = 48, windowMs = 60_000): Heatmap {
  const ordered = [...snapshots].sort((a, b) => a.timestamp - b.timestamp);
  const levels = new Set<number>();
  for (const snapshot of ordered) for (const [price] of snapshot.data.nodes) levels.add(price);
  const sorted = [...levels].sort((a, b) => b - a);
  const lastPoints = ordered.at(-1)?.data.timeSeries ?? [];
  const currentPrice = lastPoints.length > 0 ? lastPoints[lastPoints.length - 1]!.price : null;
  const path = ordered.flatMap((snapshot, column) =>
    snapshot.data.timeSeries
      .filter((point) => Number.isFinite(point.price) && point.price > 0)
      .map((point) => ({
        x: column + Math.min(1, Math.max(0, (point.timestamp - snapshot.timestamp) / windowMs)),
        price: point.price,
      })),
  );
  const times = ordered.map((snapshot) => snapshot.timestamp);
  if (sorted.length === 0) return { times, prices: [], rowSize: 0, cells: [], maxAbs: 0, currentPrice, path };

  // Rows on a regular price grid: the levels' smallest gap when the range fits in maxRows rows of
  // it (levels without trades stay empty rows, so the axis is linear), otherwise maxRows equal bands.
  const gaps = sorted.slice(1).map((price, i) => sorted[i]! - price);
  const step = gaps.length > 0 ? Math.min(...gaps) : 0;
  // The range also holds the current price, so its line is always on the map.
  let high = sorted[0]!;
  let low = sorted[sorted.length - 1]!;
  if (step > 0 && currentPrice !== null) {
    if (currentPrice > high) high += Math.round((currentPrice - high) / step) * step;
    if (currentPrice < low) low -= Math.round((low - currentPrice) / step) * step;
  }
  let prices: number[];
  let rowOf: (price: number) => number;
  let rowSize: number;
  const gridRows = step > 0 ? Math.round((high - low) / step) + 1 : 1;
  if (gridRows <= maxRows && (step > 0 || currentPrice === null || currentPrice === high)) {
    rowSize = step > 0 ? step : Math.max(Math.abs(high) * 1e-4, 1e-9);
    prices = Array.from({ length: gridRows }, (_, row) => high - rowSize * row);
    rowOf = (price) => Math.round((high - price) / rowSize);
  } else {
    if (currentPrice !== null) {
      high = Math.max(sorted[0]!, currentPrice);
      low = Math.min(sorted[sorted.length - 1]!, currentPrice);
    }
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
  return { times, prices, rowSize, cells: all, maxAbs, currentPrice, path };
}
