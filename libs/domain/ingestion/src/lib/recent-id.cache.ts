/**
 * One generation of ids: an open-addressing table of the ids' hashes (an Int32Array, so a probe
 * reads one contiguous array) beside the ids themselves, which are only compared when the hashes
 * are equal. A Set of strings compares keys by dereferencing each stored string: with tens of
 * thousands of recent ids spread over the heap that was ~1-2 us per event in cache misses.
 *
 * An id of digits (what most venues send: 1 to 15 digits, no leading zero) is kept as its value in
 * a Float64Array, not as the string: two such ids are equal exactly when their values are, and a
 * string kept here would live through two young-generation collections and be promoted, one per
 * trade (the table itself is old), so numbers keep the garbage collector's work down.
 */
class IdTable {
  private readonly hashes: Int32Array;
  private readonly values: Float64Array;
  private readonly ids: Array<string | undefined>;
  private readonly mask: number;
  size = 0;

  constructor(capacity: number) {
    let slots = 8;
    while (slots < capacity * 2) slots *= 2; // load factor at most 1/2
    this.hashes = new Int32Array(slots);
    this.values = new Float64Array(slots).fill(-1);
    this.ids = new Array<string | undefined>(slots).fill(undefined);
    this.mask = slots - 1;
  }

  has(id: string, hash: number, value: number): boolean {
    const { hashes, ids, values, mask } = this;
    for (let slot = hash & mask; hashes[slot] !== 0; slot = (slot + 1) & mask) {
      if (hashes[slot] === hash && (value >= 0 ? values[slot] === value : ids[slot] === id)) return true;
    }
    return false;
  }

  /** Adds an id known to be absent. */
  insert(id: string, hash: number, value: number): void {
    const { hashes, mask } = this;
    let slot = hash & mask;
    while (hashes[slot] !== 0) slot = (slot + 1) & mask;
    hashes[slot] = hash;
    if (value >= 0) this.values[slot] = value;
    else this.ids[slot] = id;
    this.size += 1;
  }

  clear(): void {
    this.hashes.fill(0);
    this.values.fill(-1);
    this.ids.fill(undefined);
    this.size = 0;
  }
}

/** FNV-1a over the UTF-16 code units, never 0 (0 marks an empty slot). */
function hashOf(id: string): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash === 0 ? 1 : hash;
}

/** The value of a canonical all-digit id (1 to 15 digits, no leading zero), or -1 for any other. */
function canonicalDigits(id: string): number {
  const length = id.length;
  if (length === 0 || length > 15 || (length > 1 && id.charCodeAt(0) === 48)) return -1;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const code = id.charCodeAt(i);
    if (code < 48 || code > 57) return -1;
    value = value * 10 + (code - 48);
  }
  return value;
}

/**
 * The recent ids of one key (venue + symbol). Two generations: when the current one holds
 * capacity/2 ids it becomes the previous one and a new current starts, so at least the last
 * capacity/2 and at most the last `capacity` ids are remembered, memory stays bounded, and no id is
 * ever deleted one by one (cheap on the hot path).
 */
export class RecentIds {
  private current: IdTable;
  private previous: IdTable;

  constructor(private readonly generation: number) {
    this.current = new IdTable(generation);
    this.previous = new IdTable(generation);
  }

  /** True when the id is new (and records it); false for a repeat. */
  add(id: string): boolean {
    const hash = hashOf(id);
    const value = canonicalDigits(id);
    if (this.current.has(id, hash, value) || this.previous.has(id, hash, value)) return false;
    if (this.current.size >= this.generation) {
      const oldest = this.previous;
      this.previous = this.current;
      oldest.clear();
      this.current = oldest;
    }
    this.current.insert(id, hash, value);
    return true;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/**
 * Remembers recent ids per key (venue + symbol) to drop events a venue or a reconnect sends twice.
 * A hot path keeps the key's `RecentIds` (`idsOf`) instead of looking the key up per event.
 */
export class RecentIdCache {
  private readonly perKey = new Map<string, RecentIds>();
  private readonly generation: number;

  constructor(capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 2)
      throw new Error(`capacity must be an integer of at least 2, got ${capacity}`);
    this.generation = Math.floor(capacity / 2);
  }

  /** The recent ids of one key, created empty on first use. */
  idsOf(key: string): RecentIds {
    let ids = this.perKey.get(key);
    if (!ids) this.perKey.set(key, (ids = new RecentIds(this.generation)));
    return ids;
  }

  /** True when the id is new for the key (and records it); false for a repeat. */
  add(key: string, id: string): boolean {
    return this.idsOf(key).add(id);
  }

  /** How many ids of the key are remembered now. */
  size(key: string): number {
    return this.perKey.get(key)?.size ?? 0;
  }
}
