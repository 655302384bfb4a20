/** Seed 000 coins of the liquidity flow map (`coin: 'BTC' | 'ETH' | 'HYPE'`). */
export const FLOW_COINS = ['BTC', 'ETH', 'HYPE'] as const;
export type FlowCoin = (typeof FLOW_COINS)[number];

export function isFlowCoin(coin: string): coin is FlowCoin {
  return (FLOW_COINS as readonly string[]).includes(coin);
}
