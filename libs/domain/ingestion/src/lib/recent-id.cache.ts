/**
 * Remembers the last `capacity` ids per key (venue + symbol) to drop events a venue or a reconnect
 * sends twice. Memory is bounded: the oldest id of a key is forgotten when a new one arrives at capacity.
 */
export class RecentIdCache {
  private readonly perKey = new Map<string, { seen: Set<string>; order: string[]; next: number }>();

  constructor(private readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive integer, got ${capacity}`);
  }

  /** True when the id is new for the key (and records it); false for a repeat. */
  add(key: string, id: string): boolean {
    let entry = this.perKey.get(key);
    if (!entry) {
      entry = { seen: new Set(), order: [], next: 0 };
      this.perKey.set(key, entry);
    }
    if (entry.seen.has(id)) return false;
    if (entry.order.length < this.capacity) {
      entry.order.push(id);
    } else {
      entry.seen.delete(entry.order[entry.next]!);
      entry.order[entry.next] = id;
      entry.next = (entry.next + 1) % this.capacity;
    }
    entry.seen.add(id);
    return true;
  }

  size(key: string): number {
    return this.perKey.get(key)?.seen.size ?? 0;
  }
}
