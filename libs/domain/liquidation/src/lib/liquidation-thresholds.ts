/** Minimum liquidation notional (USD) per base asset, with a default for every other asset (seed 001). */
export interface LiquidationThresholdSettings {
  /** Base asset (upper case) -> minimum notionalUsd. */
  perAsset: Readonly<Record<string, number>>;
  /** Minimum notionalUsd of an asset not listed in `perAsset`. */
  defaultMinUsd: number;
}

/**
 * The seed's `is_significant`: a liquidation counts when its USD notional is at least the minimum of
 * its base asset. The seed took the first three letters of the venue symbol; we use the normalized
 * `base` field, so `HYPE` or `1000PEPE` are matched as whole assets.
 */
export class LiquidationThresholds {
  constructor(private readonly settings: LiquidationThresholdSettings) {}

  minimumFor(base: string): number {
    return this.settings.perAsset[base.toUpperCase()] ?? this.settings.defaultMinUsd;
  }

  isSignificant(base: string, notionalUsd: number): boolean {
    return notionalUsd >= this.minimumFor(base);
  }
}
