/** Seed 000 StoredFlowData as the gateway answers it (GET /api/liquidity-flow/retrieve and /historical). */
export interface LiquidityNode {
  price: number;
  buyVolume: number;
  sellVolume: number;
  netFlow: number;
  buyCount: number;
  sellCount: number;
  dominantSide: 'buy' | 'sell' | 'neutral';
  whaleActivity: boolean;
  liquidations: number;
  timestamp: number;
}

export interface FlowMetrics {
  totalBuyVolume: number;
  totalSellVolume: number;
  totalBuyNotional: number;
  totalSellNotional: number;
  netFlow: number;
  flowDirection: 'inflow' | 'outflow' | 'neutral';
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

export interface FlowTimePoint {
  timestamp: number;
  netFlow: number;
  buyVolume: number;
  sellVolume: number;
  whaleFlow: number;
  liquidationVolume: number;
  price: number;
}

export interface StoredFlowData {
  key: string;
  coin: string;
  timeWindow: string;
  timestamp: number;
  data: {
    nodes: Array<[number, LiquidityNode]>;
    metrics: FlowMetrics;
    timeSeries: FlowTimePoint[];
  };
  expiresAt: number;
}

export const FLOW_COINS = ['BTC', 'ETH', 'HYPE'] as const;
export const FLOW_WINDOWS = ['1m', '5m', '15m', '1h', '4h'] as const;
export const WINDOW_MS: Record<string, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
};
