import { DDSketch } from '@datadog/sketches-js';

export interface RollingQuantileSketchOptions {
  /** Length of the rolling window, ms (24 h in the seed). */
  windowMs: number;
  /** Width of one sub-sketch, ms (1 h by default): the window moves in steps of this size. */
  sliceMs?: number;
  /** DDSketch relative accuracy of values (0.005: a returned quantile is within 0.5 % of a true sample value at that rank). */
  relativeAccuracy?: number;
}

interface Slice {
  index: number;
  sketch: DDSketch;
}

/** One DDSketch store as plain data: every field the sketch reads, so a restored one answers and grows identically. */
export interface DenseStoreState {
  bins: number[];
  count: number;
  minKey: number;
  maxKey: number;
  offset: number;
}

/** One DDSketch as plain data (its summary statistics and both stores). */
export interface SketchState {
  count: number;
  zeroCount: number;
  min: number;
  max: number;
  sum: number;
  store: DenseStoreState;
  negativeStore: DenseStoreState;
}

/** A RollingQuantileSketch as plain data (for a checkpoint): the window position, every slice and the merged sketch. */
export interface RollingQuantileSketchState {
  newestIndex: number;
  slices: Array<{ index: number; sketch: SketchState }>;
  merged: SketchState;
}

/**
 * Distribution of a positive quantity over a rolling time window, as one DDSketch
 * (`@datadog/sketches-js`) per time slice plus a merged sketch of the whole window.
 *
 * Adding a value updates its slice and the merged sketch (O(1)); a query reads the merged sketch
 * (O(bins)). When the oldest slice leaves the window the merged sketch is rebuilt from the
 * remaining slices (once per slice width). Values are placed by their own timestamp; a value older
 * than the window is ignored.
 */
export class RollingQuantileSketch {
  private readonly sliceMs: number;
  private readonly sliceCount: number;
  private readonly relativeAccuracy: number;
  private slices: Slice[] = [];
  private merged: DDSketch;
  private newestIndex = Number.NEGATIVE_INFINITY;

  constructor(options: RollingQuantileSketchOptions) {
    this.sliceMs = options.sliceMs ?? 3_600_000;
    this.sliceCount = Math.max(1, Math.ceil(options.windowMs / this.sliceMs));
    this.relativeAccuracy = options.relativeAccuracy ?? 0.005;
    this.merged = this.newSketch();
  }

  /** Values in the window. */
  get count(): number {
    return this.merged.count;
  }

  add(value: number, ts: number): void {
    if (!(value > 0) || !Number.isFinite(value)) return;
    const index = Math.floor(ts / this.sliceMs);
    if (index > this.newestIndex) this.advanceTo(index);
    if (index <= this.newestIndex - this.sliceCount) return;
    let slice = this.slices.find((candidate) => candidate.index === index);
    if (!slice) {
      slice = { index, sketch: this.newSketch() };
      this.slices.push(slice);
    }
    slice.sketch.accept(value);
    this.merged.accept(value);
  }

  /** Moves the window so that it ends in the slice of `ts` (drops what fell out). */
  advance(ts: number): void {
    const index = Math.floor(ts / this.sliceMs);
    if (index > this.newestIndex) this.advanceTo(index);
  }

  /** The value at quantile `q` (0..1) of the window, or undefined when the window is empty. */
  quantile(q: number): number | undefined {
    if (this.merged.count === 0) return undefined;
    return this.merged.getValueAtQuantile(Math.min(1, Math.max(0, q)));
  }

  private advanceTo(index: number): void {
    this.newestIndex = index;
    const oldestKept = index - this.sliceCount + 1;
    const kept = this.slices.filter((slice) => slice.index >= oldestKept);
    if (kept.length !== this.slices.length) {
      this.slices = kept;
      this.merged = this.newSketch();
      for (const slice of kept) this.merged.merge(slice.sketch);
    }
  }

  /** The whole sketch as plain data; `restore` of it gives a sketch that behaves exactly as this one. */
  toState(): RollingQuantileSketchState {
    return {
      newestIndex: this.newestIndex,
      slices: this.slices.map((slice) => ({ index: slice.index, sketch: sketchState(slice.sketch) })),
      merged: sketchState(this.merged),
    };
  }

  /** Replaces this sketch's content with `state` (from `toState` of a sketch with the same options). */
  restore(state: RollingQuantileSketchState): void {
    this.newestIndex = state.newestIndex;
    this.slices = state.slices.map((slice) => ({
      index: slice.index,
      sketch: this.sketchFrom(slice.sketch),
    }));
    this.merged = this.sketchFrom(state.merged);
  }

  private sketchFrom(state: SketchState): DDSketch {
    const sketch = this.newSketch();
    sketch.count = state.count;
    sketch.zeroCount = state.zeroCount;
    sketch.min = state.min;
    sketch.max = state.max;
    sketch.sum = state.sum;
    restoreStore(sketch.store, state.store);
    restoreStore(sketch.negativeStore, state.negativeStore);
    return sketch;
  }

  private newSketch(): DDSketch {
    return new DDSketch({ relativeAccuracy: this.relativeAccuracy });
  }
}

function sketchState(sketch: DDSketch): SketchState {
  return {
    count: sketch.count,
    zeroCount: sketch.zeroCount,
    min: sketch.min,
    max: sketch.max,
    sum: sketch.sum,
    store: storeState(sketch.store),
    negativeStore: storeState(sketch.negativeStore),
  };
}

function storeState(store: DDSketch['store']): DenseStoreState {
  return {
    bins: store.bins.slice(),
    count: store.count,
    minKey: store.minKey,
    maxKey: store.maxKey,
    offset: store.offset,
  };
}

function restoreStore(store: DDSketch['store'], state: DenseStoreState): void {
  store.bins = state.bins.slice();
  store.count = state.count;
  store.minKey = state.minKey;
  store.maxKey = state.maxKey;
  store.offset = state.offset;
}
