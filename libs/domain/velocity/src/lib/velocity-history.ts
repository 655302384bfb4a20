import { roundHalfEven } from './round-half-even.util';
import { VELOCITY_DECIMALS } from './velocity.util';

export const HOUR_MS = 3_600_000;
/** Windows of the stored velocities (seed 003 `velocity_1h` ... `velocity_7d`), in ms. */
export const VELOCITY_WINDOWS = {
  '1h': HOUR_MS,
  '4h': 4 * HOUR_MS,
  '12h': 12 * HOUR_MS,
  '7d': 168 * HOUR_MS,
} as const;
export type VelocityWindow = keyof typeof VELOCITY_WINDOWS;
/** Samples kept one by one; older ones survive only in hourly sums (enough for the 7d window). */
const FINE_SPAN_MS = VELOCITY_WINDOWS['12h'];
/** Velocities have VELOCITY_DECIMALS decimals: sums are exact integers of this unit. */
const UNITS = 10 ** VELOCITY_DECIMALS;

export interface HistorySample {
  /** Quote time, epoch ms. */
  ts: number;
  velocity: number;
  priceUsd: number;
  marketCapUsd: number;
  volume24hUsd: number;
}

class TokenSeries {
  ts: number[] = [];
  velocity: number[] = [];
  head = 0;
  hourStart: number[] = [];
  hourSum: number[] = [];
  hourCount: number[] = [];
  hourHead = 0;
  price: number[] = [];
  marketCap: number[] = [];
  volume: number[] = [];
  lastTs = -Infinity;
}

/**
 * The velocity history of every token, in memory, fed by each poll and loaded from `token_metrics` at
 * start: every sample of the last 12 hours (for the 1h, 4h and 12h windows and the trend), hourly sums
 * for 7 days (the 7d window), and the last `valueWindow` prices, market caps and volumes (outlier
 * detection). For 5000 tokens polled every minute that is about 3.6 M samples, ~60 MB.
 */
export class VelocityHistory {
  private readonly series = new Map<number, TokenSeries>();

  constructor(private readonly valueWindow = 30) {}

  get size(): number {
    return this.series.size;
  }

  lastTs(tokenId: number): number | null {
    const s = this.series.get(tokenId);
    return s && s.lastTs > -Infinity ? s.lastTs : null;
  }

  /** Appends a sample; returns false (and changes nothing) when it is not newer than the last one. */
  add(tokenId: number, sample: HistorySample): boolean {
    let s = this.series.get(tokenId);
    if (!s) {
      s = new TokenSeries();
      this.series.set(tokenId, s);
    }
    if (sample.ts <= s.lastTs) return false;
    s.lastTs = sample.ts;
    s.ts.push(sample.ts);
    s.velocity.push(sample.velocity);
    this.addToHour(s, sample.ts, sample.velocity, 1);
    pushBounded(s.price, sample.priceUsd, this.valueWindow);
    pushBounded(s.marketCap, sample.marketCapUsd, this.valueWindow);
    pushBounded(s.volume, sample.volume24hUsd, this.valueWindow);
    this.prune(s, sample.ts);
    return true;
  }

  /** Loads an hourly sum of samples older than the fine span (from a GROUP BY at start). */
  addHourlySum(tokenId: number, hourStart: number, sum: number, count: number): void {
    let s = this.series.get(tokenId);
    if (!s) {
      s = new TokenSeries();
      this.series.set(tokenId, s);
    }
    this.addToHour(s, hourStart, sum, count);
  }

  /** The last `count` velocities older than `beforeTs`, oldest first. */
  previousVelocities(tokenId: number, beforeTs: number, count: number): number[] {
    const s = this.series.get(tokenId);
    if (!s) return [];
    const out: number[] = [];
    for (let i = s.ts.length - 1; i >= s.head && out.length < count; i--) {
      if (s.ts[i]! < beforeTs) out.push(s.velocity[i]!);
    }
    return out.reverse();
  }

  /** The last prices, market caps and volumes (oldest first), for outlier detection. */
  recentValues(tokenId: number): { price: number[]; marketCap: number[]; volume: number[] } {
    const s = this.series.get(tokenId);
    return s
      ? { price: s.price, marketCap: s.marketCap, volume: s.volume }
      : { price: [], marketCap: [], volume: [] };
  }

  /**
   * Mean velocity over the window ending at `atTs` (samples with atTs - window < ts <= atTs), 8 decimals;
   * null when the window holds no sample. Velocities have 8 decimals, so the sum is taken exactly in
   * units of 1e-8 and the mean rounded half to even: the result does not depend on summation order. The 7d window sums whole hours: it starts at the hour
   * boundary at or before atTs - 7d, so it can hold up to one hour more than 7 days.
   */
  windowAverage(
    tokenId: number,
    atTs: number,
    window: VelocityWindow,
    pending: number | null = null,
  ): number | null {
    const s = this.series.get(tokenId);
    // `pending`: the velocity at atTs of a sample not added yet (it counts as one more sample).
    let sum = pending === null ? 0 : Math.round(pending * UNITS);
    let count = pending === null ? 0 : 1;
    if (!s) return count === 0 ? null : roundHalfEven(sum / count, 0) / UNITS;
    if (window === '7d') {
      const from = Math.floor((atTs - VELOCITY_WINDOWS['7d']) / HOUR_MS) * HOUR_MS;
      for (let i = s.hourStart.length - 1; i >= s.hourHead && s.hourStart[i]! >= from; i--) {
        if (s.hourStart[i]! > atTs) continue;
        sum += Math.round(s.hourSum[i]! * UNITS);
        count += s.hourCount[i]!;
      }
    } else {
      const from = atTs - VELOCITY_WINDOWS[window];
      for (let i = s.ts.length - 1; i >= s.head && s.ts[i]! > from; i--) {
        if (s.ts[i]! > atTs) continue;
        sum += Math.round(s.velocity[i]! * UNITS);
        count += 1;
      }
    }
    return count === 0 ? null : roundHalfEven(sum / count, 0) / UNITS;
  }

  private addToHour(s: TokenSeries, ts: number, sum: number, count: number): void {
    const hour = Math.floor(ts / HOUR_MS) * HOUR_MS;
    const last = s.hourStart.length - 1;
    if (last >= s.hourHead && s.hourStart[last] === hour) {
      s.hourSum[last] = s.hourSum[last]! + sum;
      s.hourCount[last] = s.hourCount[last]! + count;
      return;
    }
    // Hours arrive in order from polls; a loaded hour older than the last is inserted in place.
    let at = s.hourStart.length;
    while (at > s.hourHead && s.hourStart[at - 1]! > hour) at--;
    if (at > s.hourHead && s.hourStart[at - 1] === hour) {
      s.hourSum[at - 1] = s.hourSum[at - 1]! + sum;
      s.hourCount[at - 1] = s.hourCount[at - 1]! + count;
      return;
    }
    s.hourStart.splice(at, 0, hour);
    s.hourSum.splice(at, 0, sum);
    s.hourCount.splice(at, 0, count);
  }

  private prune(s: TokenSeries, latest: number): void {
    while (s.head < s.ts.length && s.ts[s.head]! <= latest - FINE_SPAN_MS) s.head++;
    if (s.head > 256 && s.head * 2 > s.ts.length) {
      s.ts = s.ts.slice(s.head);
      s.velocity = s.velocity.slice(s.head);
      s.head = 0;
    }
    const oldestHour = Math.floor((latest - VELOCITY_WINDOWS['7d']) / HOUR_MS) * HOUR_MS;
    while (s.hourHead < s.hourStart.length && s.hourStart[s.hourHead]! < oldestHour) s.hourHead++;
    if (s.hourHead > 64) {
      s.hourStart = s.hourStart.slice(s.hourHead);
      s.hourSum = s.hourSum.slice(s.hourHead);
      s.hourCount = s.hourCount.slice(s.hourHead);
      s.hourHead = 0;
    }
  }
}

function pushBounded(values: number[], value: number, max: number): void {
  values.push(value);
  if (values.length > max) values.shift();
}
