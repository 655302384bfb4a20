/** A run of consecutive trade ids that never arrived. */
export interface TradeIdGap {
  key: string;
  fromId: number;
  toId: number;
  /** Time of the last trade before the gap and of the first after it (epoch ms). */
  fromTs: number;
  toTs: number;
}

/**
 * Watches consecutive trade ids (Binance aggregate ids) per instrument and reports a jump. The first
 * id of an instrument sets the baseline; ids at or below the last seen one (late or repeated) change
 * nothing and report nothing.
 */
export class TradeIdGapDetector {
  private readonly last = new Map<string, { id: number; ts: number }>();

  observe(key: string, id: number, ts: number): TradeIdGap | null {
    const previous = this.last.get(key);
    if (!previous) {
      this.last.set(key, { id, ts });
      return null;
    }
    if (id <= previous.id) return null;
    const gap =
      id === previous.id + 1
        ? null
        : { key, fromId: previous.id + 1, toId: id - 1, fromTs: previous.ts, toTs: ts };
    previous.id = id; // updated in place: no allocation per trade
    previous.ts = ts;
    return gap;
  }

  lastId(key: string): number | undefined {
    return this.last.get(key)?.id;
  }
}
