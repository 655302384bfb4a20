export const STORAGE_MODES = ['normal', 'reduced', 'critical'] as const;
export type StorageMode = (typeof STORAGE_MODES)[number];

export interface StorageModeThresholds {
  /** Used / max memory (percent) at or above which storage goes from normal to reduced. */
  reducedAtPct: number;
  /** ... and from reduced (or normal) to critical. */
  criticalAtPct: number;
  /** A mode is left downwards only once usage is this many points below the threshold that entered it. */
  hysteresisPct: number;
  /** Usage (percent) above which an alert is raised. */
  alertAtPct: number;
}

export interface StorageModeDecision {
  mode: StorageMode;
  changed: boolean;
  alert: boolean;
}

/**
 * Memory circuit breaker of seed 001: the storage mode follows Redis memory usage both ways, with
 * hysteresis so that usage hovering at a threshold does not flap.
 * - normal: accepted liquidations stored in full with the long retention;
 * - reduced: compact records, short retention, aggressive cleanup;
 * - critical: nothing but signals, counters and statistics written; accepted liquidations wait in
 *   the service's local buffer (bounded) until memory allows again.
 */
export function nextStorageMode(
  current: StorageMode,
  usedPct: number,
  thresholds: StorageModeThresholds,
): StorageModeDecision {
  const { reducedAtPct, criticalAtPct, hysteresisPct } = thresholds;
  let mode: StorageMode;
  if (usedPct >= criticalAtPct) mode = 'critical';
  else if (usedPct >= reducedAtPct)
    mode = current === 'critical' && usedPct >= criticalAtPct - hysteresisPct ? 'critical' : 'reduced';
  else if (current === 'critical' && usedPct >= criticalAtPct - hysteresisPct) mode = 'critical';
  else if (current !== 'normal' && usedPct >= reducedAtPct - hysteresisPct) mode = 'reduced';
  else mode = 'normal';
  return { mode, changed: mode !== current, alert: usedPct > thresholds.alertAtPct };
}
