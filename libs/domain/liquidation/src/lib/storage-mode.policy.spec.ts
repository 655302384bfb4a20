import { nextStorageMode, type StorageMode } from './storage-mode.policy';

const thresholds = { reducedAtPct: 70, criticalAtPct: 85, hysteresisPct: 5, alertAtPct: 90 };

describe('nextStorageMode', () => {
  it('goes up and back down with hysteresis', () => {
    const path: Array<[number, StorageMode]> = [
      [50, 'normal'],
      [72, 'reduced'],
      [86, 'critical'],
      [82, 'critical'],
      [79, 'reduced'],
      [67, 'reduced'],
      [64, 'normal'],
      [95, 'critical'],
      [10, 'normal'],
    ];
    let mode: StorageMode = 'normal';
    for (const [pct, expected] of path) {
      mode = nextStorageMode(mode, pct, thresholds).mode;
      expect([pct, mode]).toEqual([pct, expected]);
    }
  });

  it('alerts above 90 %', () => {
    expect(nextStorageMode('normal', 90, thresholds).alert).toBe(false);
    expect(nextStorageMode('normal', 90.1, thresholds).alert).toBe(true);
  });
});
