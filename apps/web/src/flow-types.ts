/**
 * Seed 000 StoredFlowData as the gateway answers it (GET /api/liquidity-flow/retrieve and
 * /historical): the one declaration in @mdp/domain-flow, imported for its types only (erased from
 * the bundle).
 */
export type { FlowMetrics, FlowTimePoint, LiquidityNode, StoredFlowData } from '@mdp/domain-flow';

export const FLOW_COINS = ['BTC', 'ETH', 'HYPE'] as const;
export const FLOW_WINDOWS = ['1m', '5m', '15m', '1h', '4h'] as const;
export const WINDOW_MS: Record<string, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
};
