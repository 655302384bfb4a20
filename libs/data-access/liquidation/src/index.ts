export * from './lib/liquidation-keys';
export * from './lib/liquidation-record';
export * from './lib/liquidation-store.repository';
export * from './lib/active-signal.repository';
export * from './lib/detector-state.repository';
export * from './lib/percentile-threshold.repository';
