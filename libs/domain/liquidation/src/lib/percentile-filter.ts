import { RollingQuantileSketch, type RollingQuantileSketchState } from './rolling-quantile.sketch';

export interface PercentileFilterSettings {
  enabled: boolean;
  /** Percentile (0..100) a liquidation's notional must reach among its symbol's recent ones. */
  percentile: number;
  /** Rolling window of the distribution, ms (24 h). */
  windowMs: number;
  /** Fewer observations than this in the window: the filter lets everything through (no distribution yet). */
  minSamples: number;
  sliceMs?: number;
  relativeAccuracy?: number;
}

export interface PercentileVerdict {
  passes: boolean;
  /** The percentile's value before this liquidation was added, when the filter applied. */
  threshold: number | undefined;
}

/**
 * The seed's percentile filter: a liquidation passes when its notional is at least the
 * `percentile`-th percentile of its symbol's liquidations over the rolling window. Every
 * liquidation seen (accepted or not) enters the distribution, after it was judged against it.
 */
export class PercentileFilter {
  private readonly sketches = new Map<string, RollingQuantileSketch>();

  constructor(readonly settings: PercentileFilterSettings) {}

  /** Records `notionalUsd` for `symbol` at `ts` and says whether it passed the filter before being added. */
  observe(symbol: string, notionalUsd: number, ts: number): PercentileVerdict {
    const sketch = this.sketchOf(symbol);
    sketch.advance(ts);
    let verdict: PercentileVerdict = { passes: true, threshold: undefined };
    if (this.settings.enabled && sketch.count >= this.settings.minSamples) {
      const threshold = sketch.quantile(this.settings.percentile / 100);
      verdict = { passes: threshold === undefined || notionalUsd >= threshold, threshold };
    }
    sketch.add(notionalUsd, ts);
    return verdict;
  }

  /** The current value of percentile `p` (0..100) for `symbol`, or undefined with no data (the seed's calculate_percentile). */
  percentileOf(symbol: string, p: number): number | undefined {
    return this.sketches.get(symbol)?.quantile(p / 100);
  }

  /** Symbols with a distribution, in the order they were first seen. */
  symbols(): string[] {
    return [...this.sketches.keys()];
  }

  sampleCount(symbol: string): number {
    return this.sketches.get(symbol)?.count ?? 0;
  }

  /** `symbol`'s distribution as plain data, or undefined when it has none. */
  stateOf(symbol: string): RollingQuantileSketchState | undefined {
    return this.sketches.get(symbol)?.toState();
  }

  /** Sets `symbol`'s distribution from `stateOf` (of a filter with the same settings). */
  restore(symbol: string, state: RollingQuantileSketchState): void {
    this.sketchOf(symbol).restore(state);
  }

  /** Drops `symbol`'s distribution (its symbol moved to another replica). */
  forget(symbol: string): void {
    this.sketches.delete(symbol);
  }

  private sketchOf(symbol: string): RollingQuantileSketch {
    let sketch = this.sketches.get(symbol);
    if (!sketch) {
      sketch = new RollingQuantileSketch({
        windowMs: this.settings.windowMs,
        sliceMs: this.settings.sliceMs,
        relativeAccuracy: this.settings.relativeAccuracy,
      });
      this.sketches.set(symbol, sketch);
    }
    return sketch;
  }
}
