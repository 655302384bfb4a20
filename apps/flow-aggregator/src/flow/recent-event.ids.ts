interface Generations {
  current: Set<string>;
  previous: Set<string>;
}

/**
 * Recent event ids per venue and instrument, to count a redelivered or twice-written event once.
 * Two generations of `capacity / 2` ids each (as RecentIdCache in @mdp/domain-ingestion), looked up
 * by venue then instrument so the hot path builds no key strings.
 */
export class RecentEventIds {
  private readonly byVenue = new Map<string, Map<string, Generations>>();
  private readonly generation: number;

  constructor(capacity: number) {
    this.generation = Math.max(1, Math.floor(capacity / 2));
  }

  /** True when `id` is new for the venue and instrument (and records it); false for a repeat. */
  add(venue: string, instrument: string, id: string): boolean {
    let instruments = this.byVenue.get(venue);
    if (!instruments) {
      instruments = new Map();
      this.byVenue.set(venue, instruments);
    }
    let entry = instruments.get(instrument);
    if (!entry) {
      entry = { current: new Set(), previous: new Set() };
      instruments.set(instrument, entry);
    }
    if (entry.current.has(id) || entry.previous.has(id)) return false;
    if (entry.current.size >= this.generation) {
      entry.previous = entry.current;
      entry.current = new Set();
    }
    entry.current.add(id);
    return true;
  }
}
