/** Which stream entries a delivered batch came from (the StreamContext's ids and events per entry). */
export interface DeliveredEntries {
  stream: string;
  ids: readonly string[];
  counts: readonly number[];
}

/** The id of the entry each event of a delivery came from, in order (`counts[i]` events from `ids[i]`); '' without entries. */
export class EntryCursor {
  private entry = -1;
  private left = 0;
  private id = '';

  constructor(private readonly entries: DeliveredEntries | undefined) {}

  next(): string {
    const entries = this.entries;
    if (!entries) return '';
    while (this.left === 0) {
      this.entry += 1;
      this.left = entries.counts[this.entry]!;
      this.id = entries.ids[this.entry]!;
    }
    this.left -= 1;
    return this.id;
  }
}
