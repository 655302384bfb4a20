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
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw !== 'string') value = NaN;
  else {
    value = plainDecimal(raw);
    if (value < 0) value = raw.trim() !== '' ? Number(raw) : NaN;
  }
  if (!Number.isFinite(value)) throw new FrameParseError(`field ${field} missing or not a number`);
  return value;
}

const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The value of a plain decimal text (digits, at most one inner point, at most 15 digits), or -1 for
 * any other text (the caller then uses Number). The digits as an integer below 2^53 and a power of
 * ten up to 1e15 are both exact, so their quotient is the correctly rounded value, the same number
 * Number(text) gives, without Number's call into the runtime (prices and sizes are such texts).
 */
export function plainDecimal(text: string): number {
  return plainDecimalIn(text, 0, text.length);
}

/** `plainDecimal` of `text.slice(start, end)`, without making that string. */
export function plainDecimalIn(text: string, start: number, end: number): number {
  const length = end - start;
  if (length <= 0 || length > 16) return -1;
  let digits = 0;
  let point = -1;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(start + i);
    if (code >= 48 && code <= 57) digits = digits * 10 + (code - 48);
    else if (code === 46 && point < 0 && i > 0 && i < length - 1) point = i;
    else return -1;
  }
  if (point < 0) return length <= 15 ? digits : -1;
  return digits / POWERS_OF_TEN[length - 1 - point]!;
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
