export * from './lib/liquidation-thresholds';
export * from './lib/rolling-quantile.sketch';
export * from './lib/percentile-filter';
export * from './lib/rolling-vwap.window';
export * from './lib/vwap-tracker';
export * from './lib/liquidation-signal.rules';
export * from './lib/storage-mode.policy';
export * from './lib/liquidation.detector';
