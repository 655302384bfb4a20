import type { LiquidationMessage, LiquidationSignalMessage, TradeMessage } from '@mdp/schemas';
import { evaluateLiquidationSignal, type SignalRuleSettings } from './liquidation-signal.rules';
import { LiquidationThresholds, type LiquidationThresholdSettings } from './liquidation-thresholds';
import { PercentileFilter, type PercentileFilterSettings } from './percentile-filter';
import { VwapTracker } from './vwap-tracker';
import type { RollingVwapWindowOptions } from './rolling-vwap.window';

export interface LiquidationDetectorSettings {
  thresholds: LiquidationThresholdSettings;
  percentile: PercentileFilterSettings;
  vwapEnabled: boolean;
  vwapWindow: RollingVwapWindowOptions;
  signals: SignalRuleSettings;
}

export type LiquidationOutcome =
  | { kind: 'filtered'; reason: 'below_minimum' | 'below_percentile'; threshold: number }
  | {
      kind: 'accepted';
      percentileThreshold: number | undefined;
      vwap: number | undefined;
      signal: LiquidationSignalMessage | null;
    };

/**
 * The seed's process_liquidation, without I/O: minimum size per asset, then the percentile filter,
 * then the VWAP signal rules for an accepted liquidation. Trades feed the VWAP windows.
 */
export class LiquidationDetector {
  readonly thresholds: LiquidationThresholds;
  readonly percentiles: PercentileFilter;
  readonly vwaps: VwapTracker;

  constructor(private readonly settings: LiquidationDetectorSettings) {
    this.thresholds = new LiquidationThresholds(settings.thresholds);
    this.percentiles = new PercentileFilter(settings.percentile);
    this.vwaps = new VwapTracker(settings.vwapWindow);
  }

  onTrade(trade: TradeMessage): void {
    this.vwaps.addTrade(trade.symbol, trade.price, trade.size, trade.ts);
  }

  onLiquidation(liquidation: LiquidationMessage): LiquidationOutcome {
    const verdict = this.percentiles.observe(liquidation.symbol, liquidation.notionalUsd, liquidation.ts);
    const minimum = this.thresholds.minimumFor(liquidation.base);
    if (liquidation.notionalUsd < minimum)
      return { kind: 'filtered', reason: 'below_minimum', threshold: minimum };
    if (!verdict.passes)
      return { kind: 'filtered', reason: 'below_percentile', threshold: verdict.threshold ?? 0 };
    const reading = this.settings.vwapEnabled
      ? this.vwaps.read(liquidation.symbol, liquidation.ts)
      : undefined;
    const signal = reading
      ? evaluateLiquidationSignal(liquidation, reading.vwap, this.settings.signals)
      : null;
    return { kind: 'accepted', percentileThreshold: verdict.threshold, vwap: reading?.vwap, signal };
  }
}
