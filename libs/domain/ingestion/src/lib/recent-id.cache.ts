/**
 * Remembers recent ids per key (venue + symbol) to drop events a venue or a reconnect sends twice.
 * Two generations per key: when the current one holds capacity/2 ids it becomes the previous one
 * and a new current starts, so at least the last capacity/2 and at most the last `capacity` ids are
 * remembered, memory stays bounded, and no id is ever deleted one by one (cheap on the hot path).
 */
export class RecentIdCache {
  private readonly perKey = new Map<string, { current: Set<string>; previous: Set<string> }>();
  private readonly generation: number;

  constructor(capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 2)
      throw new Error(`capacity must be an integer of at least 2, got ${capacity}`);
    this.generation = Math.floor(capacity / 2);
  }

  /** True when the id is new for the key (and records it); false for a repeat. */
  add(key: string, id: string): boolean {
    let entry = this.perKey.get(key);
    if (!entry) {
      entry = { current: new Set(), previous: new Set() };
      this.perKey.set(key, entry);
    }
    if (entry.current.has(id) || entry.previous.has(id)) return false;
    if (entry.current.size >= this.generation) {
      entry.previous = entry.current;
      entry.current = new Set();
    }
    entry.current.add(id);
    return true;
  }

  /** How many ids of the key are remembered now. */
  size(key: string): number {
    const entry = this.perKey.get(key);
    return entry ? entry.current.size + entry.previous.size : 0;
  }
}
