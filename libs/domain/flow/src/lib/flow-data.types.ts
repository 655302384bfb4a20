import type { FlowWindow } from '@mdp/schemas';

export type DominantSide = 'buy' | 'sell' | 'neutral';
export type FlowDirection = 'inflow' | 'outflow' | 'neutral';

/** One price level of a flow map (seed 000 LiquidityNode). Volumes in base units. */
export interface LiquidityNode {
  price: number;
  buyVolume: number;
  sellVolume: number;
  netFlow: number;
  buyCount: number;
  sellCount: number;
  dominantSide: DominantSide;
  whaleActivity: boolean;
  liquidations: number;
  timestamp: number;
}

/** The 24 aggregated metrics of a window (seed 000); definitions in docs/flow-aggregator.md. */
export interface FlowMetrics {
  totalBuyVolume: number;
  totalSellVolume: number;
  totalBuyNotional: number;
  totalSellNotional: number;
  netFlow: number;
  flowDirection: FlowDirection;
  totalTrades: number;
  buyTradeCount: number;
  sellTradeCount: number;
  avgTradeSize: number;
  whaleTradeCount: number;
  whaleBuyVolume: number;
  whaleSellVolume: number;
  whaleNetFlow: number;
  totalLiquidations: number;
  longLiquidations: number;
  shortLiquidations: number;
  totalLiquidationVolume: number;
  highestBuyLevel: number | null;
  highestSellLevel: number | null;
  mostActivePrice: number | null;
  volumeImbalance: number;
  tradeImbalance: number;
  whaleImbalance: number;
}

/** One time-series point: the events of one step of the window. */
export interface FlowTimePoint {
  timestamp: number;
  netFlow: number;
  buyVolume: number;
  sellVolume: number;
  whaleFlow: number;
  liquidationVolume: number;
  price: number;
}

export interface FlowData {
  nodes: Array<[number, LiquidityNode]>;
  metrics: FlowMetrics;
  timeSeries: FlowTimePoint[];
}

/** Seed 000 StoredFlowData: what is kept under `liquidity-flow:{coin}:{timeWindow}:{timestamp}`. */
export interface StoredFlowData {
  key: string;
  coin: string;
  timeWindow: FlowWindow;
  timestamp: number;
  data: FlowData;
  expiresAt: number;
}
