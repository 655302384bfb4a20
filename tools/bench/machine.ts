import { readFileSync } from 'node:fs';

/**
 * Per-CPU time counters from /proc/stat, in clock ticks: user nice system idle iowait irq softirq
 * steal. Empty where there is no /proc.
 */
export function cpuJiffies(): number[][] {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((line) => /^cpu\d/.test(line))
      .map((line) => line.split(/\s+/).slice(1, 9).map(Number));
  } catch {
    return [];
  }
}

/**
 * Per CPU between two `cpuJiffies()` readings: the share of its time it was busy and the share the
 * VM's host took from it (steal), %. A run with stolen time measured the host's other tenants too.
 */
export function cpuShares(before: number[][], after: number[][]): Array<{ busy: number; steal: number }> {
  return after.map((counters, cpu) => {
    const delta = counters.map((value, i) => value - (before[cpu]?.[i] ?? value));
    const total = delta.reduce((sum, value) => sum + value, 0) || 1;
    return { busy: (100 * (total - delta[3]! - delta[4]!)) / total, steal: (100 * delta[7]!) / total };
  });
}

/** The share of all CPUs' time the host took between two readings, %. */
export function stolenShare(before: number[][], after: number[][]): number {
  const shares = cpuShares(before, after);
  return shares.length === 0 ? 0 : shares.reduce((sum, cpu) => sum + cpu.steal, 0) / shares.length;
}
