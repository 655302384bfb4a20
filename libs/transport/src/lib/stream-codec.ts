import { Packr } from 'msgpackr';
import type { StreamDefinition } from '@mdp/schemas';

/**
 * The wire format of one stream entry, the same for every stream:
 *
 *   t  message type (e.g. `trade`)        v  schema version (integer, as text)
 *   n  number of events in the entry      p  the events: a MessagePack array of maps
 *
 * Standard MessagePack (no msgpackr extensions), so any language's msgpack library reads it.
 * One entry carries one event or a batch frame of many; consumers see events either way.
 */
export const FIELD_TYPE = 't';
export const FIELD_VERSION = 'v';
export const FIELD_COUNT = 'n';
export const FIELD_PAYLOAD = 'p';

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, variableMapSize: true });

export interface DecodedEntry {
  type: string;
  version: number;
  events: unknown[];
}

export class EntryDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntryDecodeError';
  }
}

export function encodeEntry(
  definition: StreamDefinition,
  events: readonly unknown[],
): Array<string | Buffer> {
  return [
    FIELD_TYPE,
    definition.type,
    FIELD_VERSION,
    String(definition.version),
    FIELD_COUNT,
    String(events.length),
    FIELD_PAYLOAD,
    packr.pack(events),
  ];
}

/** Decodes the flat field list XREADGROUP returns (as Buffers). */
export function decodeEntry(fields: readonly Buffer[]): DecodedEntry {
  let type: string | undefined;
  let version: number | undefined;
  let count: number | undefined;
  let payload: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString();
    const value = fields[i + 1]!;
    if (name === FIELD_TYPE) type = value.toString();
    else if (name === FIELD_VERSION) version = Number(value.toString());
    else if (name === FIELD_COUNT) count = Number(value.toString());
    else if (name === FIELD_PAYLOAD) payload = value;
  }
  if (!type || version === undefined || !Number.isInteger(version) || !payload) {
    throw new EntryDecodeError(
      `entry lacks the fields t, v and p (has ${fieldNames(fields).join(', ') || 'none'})`,
    );
  }
  let events: unknown;
  try {
    events = packr.unpack(payload);
  } catch (error) {
    throw new EntryDecodeError(`payload is not MessagePack: ${(error as Error).message}`);
  }
  if (!Array.isArray(events)) throw new EntryDecodeError('payload is not a MessagePack array of events');
  if (count !== undefined && count !== events.length) {
    throw new EntryDecodeError(`entry says n=${count} but carries ${events.length} events`);
  }
  return { type, version, events };
}

function fieldNames(fields: readonly Buffer[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < fields.length; i += 2) names.push(fields[i]!.toString());
  return names;
}

/** Packs one event for the dead-letter stream. */
export function packEvent(event: unknown): Buffer {
  return packr.pack(event);
}

export function unpackEvent(buffer: Buffer): unknown {
  return packr.unpack(buffer);
}
