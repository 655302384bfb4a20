/**
 * A small deterministic PRNG (mulberry32): the same seed gives the same sequence on every machine,
 * which is what makes the synthetic generator reproducible.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = Math.max(this.next(), Number.EPSILON);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(Math.max(1 - this.next(), Number.EPSILON)) * mean;
  }

  /** Pareto with minimum `scale` and tail index `alpha` (heavy-tailed for alpha < 2). */
  pareto(scale: number, alpha: number): number {
    return scale / Math.pow(Math.max(1 - this.next(), Number.EPSILON), 1 / alpha);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}
