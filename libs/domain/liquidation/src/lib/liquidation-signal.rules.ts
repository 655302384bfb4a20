import type { LiquidationMessage, LiquidationSignalMessage } from '@mdp/schemas';

export interface SignalRuleSettings {
  /** Percent below VWAP a forced sell must be for a buy signal (LONG_VWAP_OFFSET). */
  longVwapOffset: number;
  /** Percent above VWAP a forced buy must be for a sell signal (SHORT_VWAP_OFFSET). */
  shortVwapOffset: number;
}

/** Deterministic signal id: a redelivered liquidation gives the same id. */
export function signalIdFor(liquidationEventId: string): string {
  return `sig:${liquidationEventId}`;
}

/**
 * The seed's signal rules on the normalized order side of the forced order:
 * - `orderSide: 'sell'` (a long position being liquidated) at a price at least `longVwapOffset` %
 *   below VWAP -> a `buy` signal, entry reason `liquidation_long` (buy the forced selling);
 * - `orderSide: 'buy'` (a short position being liquidated) at least `shortVwapOffset` % above VWAP
 *   -> a `sell` signal, entry reason `liquidation_short`.
 * Anything else gives no signal. Deviation = (price - vwap) / vwap * 100.
 */
export function evaluateLiquidationSignal(
  liquidation: LiquidationMessage,
  vwap: number,
  settings: SignalRuleSettings,
): LiquidationSignalMessage | null {
  if (!(vwap > 0)) return null;
  const deviation = ((liquidation.price - vwap) / vwap) * 100;
  const base = {
    signalId: signalIdFor(liquidation.eventId),
    symbol: liquidation.symbol,
    vwap,
    vwapDeviation: deviation,
    liquidationSize: liquidation.notionalUsd,
    liquidationEventId: liquidation.eventId,
    price: liquidation.price,
    ts: liquidation.ts,
  };
  if (liquidation.orderSide === 'sell' && deviation <= -settings.longVwapOffset) {
    return { ...base, side: 'buy', entryReason: 'liquidation_long' };
  }
  if (liquidation.orderSide === 'buy' && deviation >= settings.shortVwapOffset) {
    return { ...base, side: 'sell', entryReason: 'liquidation_short' };
  }
  return null;
}
