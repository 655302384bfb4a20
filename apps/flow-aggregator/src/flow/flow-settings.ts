import type { FlowWindow, Timeframe } from '@mdp/schemas';
import type { FlowCoinSettings } from '@mdp/domain-flow';
import { ReplicaPartitions } from '@mdp/transport';
import type { FlowAggregatorConfig } from '../flow-aggregator.config';
import { FLOW_SERVICE } from './flow-partitions';

/** The aggregator's settings, parsed once from its config. */
export interface FlowSettings {
  coins: Map<string, FlowCoinSettings>;
  windows: FlowWindow[];
  timeframes: Timeframe[];
  /** This replica's consumer group: `flow-aggregator` for replica 0, `flow-aggregator-<k>` for replica k. */
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
    group: ReplicaPartitions.groupOf(FLOW_SERVICE, config.FLOW_REPLICA),
  };
}
