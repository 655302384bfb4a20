import { FrameParseError } from './frame-parse.error';

/** Field readers shared by the venue adapters: each throws FrameParseError naming the field. */
export function parseJson(frame: string): unknown {
  try {
    return JSON.parse(frame) as unknown;
  } catch {
    throw new FrameParseError('not JSON');
  }
}

export function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FrameParseError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new FrameParseError(`${what} is not an array`);
  return value;
}

export function str(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new FrameParseError(`field ${field} missing or not a string`);
}

/** A positive finite decimal, given as a string or a number. */
export function positive(record: Record<string, unknown>, field: string): number {
  const value = num(record, field);
  if (!(value > 0)) throw new FrameParseError(`field ${field} is not positive`);
  return value;
}

export function num(record: Record<string, unknown>, field: string): number {
  const raw = record[field];
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new FrameParseError(`field ${field} missing or not a number`);
  return value;
}

/** Epoch milliseconds as a non-negative integer (numbers or numeric strings). */
export function millis(record: Record<string, unknown>, field: string): number {
  const value = num(record, field);
  if (!Number.isInteger(value) || value < 0)
    throw new FrameParseError(`field ${field} is not epoch milliseconds`);
  return value;
}

/** Product of two decimals without binary noise (0.1 * 3 = 0.3), to 12 significant digits. */
export function multiply(a: number, b: number): number {
  return Number((a * b).toPrecision(12));
}

/** A JSON array of objects (a REST history page). */
export function asRecordList(value: unknown): Array<Record<string, unknown>> {
  return asArray(value, 'response').map((item, index) => asRecord(item, `item ${index}`));
}
