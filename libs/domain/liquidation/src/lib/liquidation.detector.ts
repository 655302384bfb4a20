import type { LiquidationMessage, LiquidationSignalMessage, TradeMessage } from '@mdp/schemas';
import { evaluateLiquidationSignal, type SignalRuleSettings } from './liquidation-signal.rules';
import { LiquidationThresholds, type LiquidationThresholdSettings } from './liquidation-thresholds';
import { PercentileFilter, type PercentileFilterSettings } from './percentile-filter';
import { VwapTracker } from './vwap-tracker';
import type { RollingVwapWindowOptions, RollingVwapWindowState } from './rolling-vwap.window';
import type { RollingQuantileSketchState } from './rolling-quantile.sketch';

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

/** Everything the detector keeps about one symbol, as plain data (a checkpoint holds these). */
export interface DetectorSymbolState {
  symbol: string;
  /** The 24 h notional distribution of its liquidations (absent: none seen). */
  percentiles?: RollingQuantileSketchState;
  /** Its VWAP window (absent: no trade seen). */
  vwap?: RollingVwapWindowState;
}

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

  /** Symbols with any state (distribution or VWAP window). */
  symbols(): string[] {
    return [...new Set([...this.percentiles.symbols(), ...this.vwaps.symbols()])];
  }

  /** `symbol`'s state as plain data: `restoreSymbol` of it in a detector with the same settings behaves exactly as this one. */
  symbolState(symbol: string): DetectorSymbolState {
    const state: DetectorSymbolState = { symbol };
    const percentiles = this.percentiles.stateOf(symbol);
    if (percentiles) state.percentiles = percentiles;
    const vwap = this.vwaps.stateOf(symbol);
    if (vwap) state.vwap = vwap;
    return state;
  }

  restoreSymbol(state: DetectorSymbolState): void {
    if (state.percentiles) this.percentiles.restore(state.symbol, state.percentiles);
    if (state.vwap) this.vwaps.restore(state.symbol, state.vwap);
  }

  /** Drops everything about `symbol` (it moved to another replica). */
  forgetSymbol(symbol: string): void {
    this.percentiles.forget(symbol);
    this.vwaps.forget(symbol);
  }
}
