/**
 * PostgreSQL's binary COPY format (`COPY ... FROM STDIN (FORMAT binary)`), written straight into
 * buffers: no per-row strings, and the server reads the values as they are stored instead of parsing
 * text (timestamps, floats), which is most of what a text COPY costs it.
 *
 * Layout (https://www.postgresql.org/docs/15/sql-copy.html, "Binary Format"): the 11-byte signature,
 * a 32-bit flags field and a 32-bit header-extension length; per row a 16-bit field count and, per
 * field, a 32-bit byte length (-1 for NULL) and the value in the type's `send` format; a 16-bit -1
 * trailer. All integers are big-endian.
 */

/** The column types the encoder knows; `timestamptz` values are epoch milliseconds. */
export type CopyBinaryType = 'timestamptz' | 'text' | 'float8' | 'int4' | 'bool' | 'jsonb';

export interface CopyBinaryColumn<R> {
  name: string;
  type: CopyBinaryType;
  value: (row: R) => string | number | boolean | null;
}

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;
/** Bytes of the fixed-size values (without the 4-byte length word). */
const FIXED: Record<CopyBinaryType, number> = {
  timestamptz: 8,
  float8: 8,
  int4: 4,
  bool: 1,
  text: 0,
  jsonb: 1,
};

/**
 * The rows in binary COPY format, in buffers of about `chunkBytes` (each buffer is new: a stream may
 * still hold the previous one). Throws a TypeError naming the column for a value the column type
 * cannot carry (a non-integer int4, a timestamp that is not a finite number), as a text COPY would fail
 * on the server.
 */
export function* copyBinaryChunks<R>(
  columns: readonly CopyBinaryColumn<R>[],
  rows: readonly R[],
  chunkBytes = 65_536,
): Generator<Buffer> {
  const count = columns.length;
  let fixedRow = 2;
  for (const column of columns) fixedRow += 4 + FIXED[column.type];
  const values: Array<string | number | boolean | null> = new Array<string | number | boolean | null>(count);

  let buffer = Buffer.allocUnsafe(chunkBytes);
  let view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i < SIGNATURE.length; i++) buffer[i] = SIGNATURE[i]!;
  view.setInt32(11, 0); // flags: no OIDs
  view.setInt32(15, 0); // header extension length
  let pos = 19;

  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    // Room for the row: fixed parts plus at most 3 UTF-8 bytes per UTF-16 unit of each string.
    let need = fixedRow + 2; // + the trailer, so the last row's buffer always has room for it
    for (let i = 0; i < count; i++) {
      const value = columns[i]!.value(row);
      values[i] = value;
      if (typeof value === 'string') need += value.length * 3;
    }
    if (pos + need > buffer.length) {
      if (pos > 0) yield buffer.subarray(0, pos);
      buffer = Buffer.allocUnsafe(Math.max(chunkBytes, need));
      view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      pos = 0;
    }
    view.setInt16(pos, count);
    pos += 2;
    for (let i = 0; i < count; i++) {
      const value = values[i]!;
      if (value === null) {
        view.setInt32(pos, -1);
        pos += 4;
        continue;
      }
      const column = columns[i]!;
      switch (column.type) {
        case 'timestamptz': {
          const ms = value as number;
          if (typeof ms !== 'number' || !Number.isFinite(ms))
            throw new TypeError(`${column.name}: timestamp ${String(value)} is not epoch milliseconds`);
          const micros = Math.round((ms - PG_EPOCH_MS) * 1000);
          const high = Math.floor(micros / TWO_32);
          view.setInt32(pos, 8);
          view.setInt32(pos + 4, high);
          view.setUint32(pos + 8, micros - high * TWO_32);
          pos += 12;
          break;
        }
        case 'float8':
          if (typeof value !== 'number')
            throw new TypeError(`${column.name}: ${String(value)} is not a number`);
          view.setInt32(pos, 8);
          view.setFloat64(pos + 4, value);
          pos += 12;
          break;
        case 'int4':
          if (((value as number) | 0) !== value)
            throw new TypeError(`${column.name}: ${String(value)} is not a 32-bit integer`);
          view.setInt32(pos, 4);
          view.setInt32(pos + 4, value);
          pos += 8;
          break;
        case 'bool':
          view.setInt32(pos, 1);
          buffer[pos + 4] = value ? 1 : 0;
          pos += 5;
          break;
        case 'text':
          pos = writeString(buffer, view, pos, String(value), false);
          break;
        case 'jsonb':
          pos = writeString(buffer, view, pos, String(value), true);
          break;
      }
    }
  }
  view.setInt16(pos, -1);
  yield buffer.subarray(0, pos + 2);
}

/** Writes the length word and the UTF-8 bytes (after jsonb's version byte 1); returns the new position. */
function writeString(buffer: Buffer, view: DataView, pos: number, value: string, jsonb: boolean): number {
  let start = pos + 4;
  if (jsonb) buffer[start++] = 1;
  let end = start;
  const length = value.length;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x80) {
      // Not ASCII: let the encoder do all of it (surrogates and all).
      end = start + buffer.write(value, start, 'utf8');
      break;
    }
    buffer[end++] = code;
  }
  view.setInt32(pos, end - pos - 4);
  return end;
}
