export * from './lib/flow-window.constant';
export * from './lib/flow-data.types';
export * from './lib/flow-window.accumulator';
export * from './lib/flow-aggregator';
export * from './lib/candle.builder';
export * from './lib/indicator.calculator';
export * from './lib/position.monitor';
export * from './lib/shard.owner';
