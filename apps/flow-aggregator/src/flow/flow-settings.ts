import type { FlowWindow, Timeframe } from '@mdp/schemas';
import type { FlowCoinSettings } from '@mdp/domain-flow';
import type { FlowAggregatorConfig } from '../flow-aggregator.config';

/** The aggregator's settings, parsed once from its config. */
export interface FlowSettings {
  coins: Map<string, FlowCoinSettings>;
  windows: FlowWindow[];
  timeframes: Timeframe[];
  group: string;
  /** Least time (ms) between two rewrites of an open window of each window length. */
  publishSpacingMs: Map<FlowWindow, number>;
}

function pairs(text: string): Map<string, number> {
  return new Map(
    text
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const [coin, value] = pair.split(':');
        return [coin!, Number(value)];
      }),
  );
}

export function flowSettingsFrom(config: FlowAggregatorConfig): FlowSettings {
  const buckets = pairs(config.FLOW_BUCKET_SIZES);
  const whales = pairs(config.FLOW_WHALE_THRESHOLDS_USD);
  const coins = new Map<string, FlowCoinSettings>();
  for (const coin of config.FLOW_COINS.split(',')) {
    coins.set(coin, {
      bucketSize: buckets.get(coin) ?? config.FLOW_DEFAULT_BUCKET_SIZE,
      whaleNotionalUsd: whales.get(coin) ?? config.FLOW_DEFAULT_WHALE_USD,
    });
  }
  const windows = [...new Set(config.FLOW_WINDOWS.split(','))] as FlowWindow[];
  const spacing = pairs(config.FLOW_PUBLISH_SPACING_MS);
  const publishSpacingMs = new Map<FlowWindow, number>();
  for (const window of windows)
    publishSpacingMs.set(window, Math.max(config.FLOW_PUBLISH_INTERVAL_MS, spacing.get(window) ?? 0));
  return {
    coins,
    windows,
    publishSpacingMs,
    timeframes: [...new Set(config.CANDLE_TIMEFRAMES.split(','))] as Timeframe[],
    group:
      config.FLOW_SHARD_COUNT === 1
        ? 'flow-aggregator'
        : `flow-aggregator-shard-${config.FLOW_SHARD_INDEX}-of-${config.FLOW_SHARD_COUNT}`,
  };
}
