export interface RollingVwapWindowOptions {
  /** Window length, ms; a multiple of `bucketMs`. */
  windowMs: number;
  /** Bucket width, ms: trades are summed per bucket and the window moves in these steps. */
  bucketMs: number;
}

export interface VwapReading {
  vwap: number;
  /** Base units traded in the window. */
  volume: number;
  /** Quote (USD) traded in the window. */
  notional: number;
  trades: number;
}

/** A RollingVwapWindow as plain data: the buckets it holds (bucket number, price x size, size, trades). */
export interface RollingVwapWindowState {
  buckets: Array<[bucket: number, priceVolume: number, volume: number, trades: number]>;
}

/**
 * Volume-weighted average price of one symbol over a rolling window of trade time, kept as a ring
 * of per-bucket sums (price x size, size, count). The window at time `t` is the `windowMs / bucketMs`
 * buckets ending with the bucket of `t`: a trade at `ts` is in it when
 * `floor(ts / bucketMs) > floor(t / bucketMs) - windowMs / bucketMs` and `ts`'s bucket is not after t's.
 */
export class RollingVwapWindow {
  private readonly bucketMs: number;
  private readonly size: number;
  private readonly index: Float64Array;
  private readonly priceVolume: Float64Array;
  private readonly volume: Float64Array;
  private readonly count: Uint32Array;

  constructor(options: RollingVwapWindowOptions) {
    this.bucketMs = options.bucketMs;
    this.size = Math.max(1, Math.round(options.windowMs / options.bucketMs));
    this.index = new Float64Array(this.size).fill(-1);
    this.priceVolume = new Float64Array(this.size);
    this.volume = new Float64Array(this.size);
    this.count = new Uint32Array(this.size);
  }

  add(price: number, size: number, ts: number): void {
    const bucket = Math.floor(ts / this.bucketMs);
    const slot = bucket % this.size;
    const held = this.index[slot]!;
    if (held > bucket) return; // older than the window that slot now holds
    if (held !== bucket) {
      this.index[slot] = bucket;
      this.priceVolume[slot] = 0;
      this.volume[slot] = 0;
      this.count[slot] = 0;
    }
    this.priceVolume[slot]! += price * size;
    this.volume[slot]! += size;
    this.count[slot]! += 1;
  }

  /** VWAP of the window ending at `at`, or undefined when no trade is in it. */
  read(at: number): VwapReading | undefined {
    const newest = Math.floor(at / this.bucketMs);
    const oldest = newest - this.size + 1;
    let pv = 0;
    let volume = 0;
    let trades = 0;
    for (let slot = 0; slot < this.size; slot++) {
      const bucket = this.index[slot]!;
      if (bucket < oldest || bucket > newest) continue;
      pv += this.priceVolume[slot]!;
      volume += this.volume[slot]!;
      trades += this.count[slot]!;
    }
    if (trades === 0 || volume <= 0) return undefined;
    return { vwap: pv / volume, volume, notional: pv, trades };
  }

  /** The buckets held, as plain data (empty slots left out). */
  toState(): RollingVwapWindowState {
    const buckets: RollingVwapWindowState['buckets'] = [];
    for (let slot = 0; slot < this.size; slot++) {
      const bucket = this.index[slot]!;
      if (bucket >= 0) buckets.push([bucket, this.priceVolume[slot]!, this.volume[slot]!, this.count[slot]!]);
    }
    return { buckets };
  }

  /** Replaces the window's content with `state` (from `toState` of a window with the same options). */
  restore(state: RollingVwapWindowState): void {
    this.index.fill(-1);
    this.priceVolume.fill(0);
    this.volume.fill(0);
    this.count.fill(0);
    for (const [bucket, priceVolume, volume, trades] of state.buckets) {
      const slot = bucket % this.size;
      this.index[slot] = bucket;
      this.priceVolume[slot] = priceVolume;
      this.volume[slot] = volume;
      this.count[slot] = trades;
    }
  }
}
