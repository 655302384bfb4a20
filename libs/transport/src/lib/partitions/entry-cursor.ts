import { compareStreamIds } from '../stream-id';

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

/** Whether entry `id` of `stream` is at or before the partition's skip-up-to position (its events are in the state). */
export function coveredBy(skipUpTo: ReadonlyMap<string, string>, stream: string, id: string): boolean {
  const skip = skipUpTo.get(stream);
  return skip !== undefined && compareStreamIds(id, skip) <= 0;
}

/**
 * Records a delivery as handled by a partitioned consumer: the stream's read position (`lastSeen`)
 * moves to its last entry, each held partition's skip-up-to position that it passed is dropped,
 * and its ids join `unacked` (acknowledged after the next checkpoint).
 */
export function recordDelivered(
  entries: DeliveredEntries,
  lastSeen: Map<string, string>,
  unacked: Map<string, string[]>,
  held: Iterable<{ skipUpTo: Map<string, string> } | undefined>,
): void {
  const { stream, ids } = entries;
  if (ids.length === 0) return;
  const last = ids[ids.length - 1]!;
  const seen = lastSeen.get(stream);
  if (seen === undefined || compareStreamIds(last, seen) > 0) lastSeen.set(stream, last);
  for (const part of held) {
    if (!part || part.skipUpTo.size === 0) continue;
    const skip = part.skipUpTo.get(stream);
    if (skip !== undefined && compareStreamIds(last, skip) >= 0) part.skipUpTo.delete(stream);
  }
  const list = unacked.get(stream);
  if (list) for (const id of ids) list.push(id);
  else unacked.set(stream, ids.slice());
}
