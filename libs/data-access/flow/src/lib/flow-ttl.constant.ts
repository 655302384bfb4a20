import type { FlowWindow } from '@mdp/schemas';

/** Seed 000 TTL table: how long a snapshot of each window is kept, in seconds. */
export const FLOW_TTL_SECONDS: Readonly<Record<FlowWindow, number>> = {
  '1m': 3_600,
  '5m': 14_400,
  '15m': 43_200,
  '1h': 86_400,
  '4h': 604_800,
};

/** Seed 000 memory estimates: bytes per snapshot of each window. */
export const FLOW_SNAPSHOT_ESTIMATE_BYTES: Readonly<Record<FlowWindow, number>> = {
  '1m': 5_000,
  '5m': 10_000,
  '15m': 20_000,
  '1h': 50_000,
  '4h': 100_000,
};
