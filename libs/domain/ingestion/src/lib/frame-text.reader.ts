import { plainDecimalIn } from './frame-fields';

/**
 * A strict reader of JSON text for the venues' trade frames, for adapters that read a frame
 * without `JSON.parse` (which builds an object per record and a string per value, about half the
 * CPU of a trade). It reads a subset of JSON: no whitespace between tokens, no escape in a string
 * or key; anything outside that subset, and anything that is not JSON at all, makes the reading
 * method return false (or -1), and the adapter then takes `JSON.parse` and its general path, so
 * results and errors stay those of `JSON.parse`. What it accepts is valid JSON (every token is
 * checked, skipped values too), so a frame the general path would reject as "not JSON" is never
 * read here.
 *
 * Strings: `string()` finds the closing quote without looking at what is between (no backslash
 * and no control character is allowed there); the caller then reads the content with a method
 * that only accepts characters of its own (`is`, `decimal`, `integer`, a catalog's `getIn`), or
 * reads it with `plainString()`, which checks every character (for a text it slices or skips).
 *
 * One reader is reused frame after frame (adapters parse synchronously): the position and the
 * bounds of the last string or number read live in its fields, so reading allocates nothing.
 * Keys come back as numbers (`keyCode`): an ASCII key of up to 7 characters has its own code, any
 * other key is OTHER_KEY, so an adapter compares keys as numbers, with no string built.
 */
export class FrameTextReader {
  text = '';
  at = 0;
  /** Bounds of the last string (without quotes) or number read: `text.slice(start, end)`. */
  start = 0;
  end = 0;

  reset(text: string): void {
    this.text = text;
    this.at = 0;
  }

  /**
   * A JSON list of items each read by `item(arg)` (null: not readable here), or null. One item (what
   * venues send mostly) comes back in a list of its own size, not a growable one. `item` is a bound
   * function kept by the caller, so reading a list allocates no closure.
   */
  list<T, A>(item: (arg: A) => T | null, arg: A): T[] | null {
    if (!this.take(LEFT_BRACKET)) return null;
    if (this.take(RIGHT_BRACKET)) return [];
    const first = item(arg);
    if (!first) return null;
    if (this.take(RIGHT_BRACKET)) return [first];
    const items = [first];
    while (this.take(COMMA)) {
      const next = item(arg);
      if (!next) return null;
      items.push(next);
    }
    return this.take(RIGHT_BRACKET) ? items : null;
  }

  /**
   * The whole text as an object `{"<tag>": ..., "data": [items]}`: the `tag` key (checked by
   * `tagOk`, which reads its value) before `data`, each once, other keys skipped, a `refused` key
   * refusing the frame; the items read with `list`, or null for anything else.
   */
  envelope<T, A>(
    tag: number,
    tagOk: () => boolean,
    item: (arg: A) => T | null,
    arg: A,
    refused = -1,
  ): T[] | null {
    if (!this.take(LEFT_BRACE)) return null;
    let tagged = false;
    let items: T[] | null = null;
    do {
      const key = this.key();
      if (key === tag) {
        if (tagged || !tagOk()) return null;
        tagged = true;
      } else if (key === DATA_KEY) {
        if (!tagged || items) return null;
        items = this.list(item, arg);
        if (!items) return null;
      } else if (key < 0 || key === refused || !this.skip()) return null;
    } while (this.take(COMMA));
    if (!this.take(RIGHT_BRACE) || !this.done()) return null;
    return items;
  }

  /** True at the end of the text. */
  done(): boolean {
    return this.at === this.text.length;
  }

  /** Steps over the character `code` when it is next; false (and stays) otherwise. */
  take(code: number): boolean {
    if (this.text.charCodeAt(this.at) !== code) return false;
    this.at += 1;
    return true;
  }

  /**
   * Reads `"key":` and returns the key's code (`keyCode`), OTHER_KEY for a key without one, or -1
   * when the text there is not a key of the subset.
   */
  key(): number {
    const text = this.text;
    let at = this.at;
    if (text.charCodeAt(at) !== QUOTE) return -1;
    at += 1;
    const from = at;
    let code = 0;
    for (let c = text.charCodeAt(at); c !== QUOTE; c = text.charCodeAt(++at)) {
      // NaN (past the end) fails the first test.
      if (!(c >= 0x20) || c === BACKSLASH) return -1;
      code = c < 0x80 && at - from < 7 && code >= 0 ? code * 128 + c : -2;
    }
    if (text.charCodeAt(at + 1) !== COLON) return -1;
    this.at = at + 2;
    return code < 0 ? OTHER_KEY : code;
  }

  /**
   * Reads a string value into `start`/`end` without checking its characters (see the class notes:
   * read it with a method that only accepts its own characters, or use `plainString`); false when
   * the next value is not a string.
   */
  string(): boolean {
    const text = this.text;
    const at = this.at;
    if (text.charCodeAt(at) !== QUOTE) return false;
    const end = text.indexOf('"', at + 1);
    if (end < 0) return false;
    this.start = at + 1;
    this.end = end;
    this.at = end + 1;
    return true;
  }

  /** Reads a string value without escapes or control characters into `start`/`end`; false when the next value is not one. */
  plainString(): boolean {
    if (!this.string()) return false;
    const text = this.text;
    for (let i = this.start; i < this.end; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === BACKSLASH) return false;
    }
    return true;
  }

  /** Reads a JSON number into `start`/`end`; false when the next value is not one. */
  number(): boolean {
    const text = this.text;
    let at = this.at;
    const from = at;
    if (text.charCodeAt(at) === MINUS) at += 1;
    const first = text.charCodeAt(at);
    if (first === ZERO) at += 1;
    else if (first > ZERO && first <= NINE) at = digitsEnd(text, at + 1);
    else return false;
    if (text.charCodeAt(at) === POINT) {
      const fraction = at + 1;
      at = digitsEnd(text, fraction);
      if (at === fraction) return false;
    }
    const e = text.charCodeAt(at);
    if (e === 0x65 || e === 0x45) {
      at += 1;
      const sign = text.charCodeAt(at);
      if (sign === PLUS || sign === MINUS) at += 1;
      const exponent = at;
      at = digitsEnd(text, exponent);
      if (at === exponent) return false;
    }
    this.start = from;
    this.end = at;
    this.at = at;
    return true;
  }

  /** Steps over any value of the subset (nested up to 8 deep); false when the next value is not one. */
  skip(depth = 0): boolean {
    const text = this.text;
    const c = text.charCodeAt(this.at);
    if (c === QUOTE) return this.plainString();
    if (c === LEFT_BRACE || c === LEFT_BRACKET) {
      if (depth >= 8) return false;
      this.at += 1;
      const close = c === LEFT_BRACE ? RIGHT_BRACE : RIGHT_BRACKET;
      if (this.take(close)) return true;
      do {
        if (close === RIGHT_BRACE && this.key() < 0) return false;
        if (!this.skip(depth + 1)) return false;
      } while (this.take(COMMA));
      return this.take(close);
    }
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    return this.number();
  }

  /** Reads `true` or `false`: 1 or 0, or -1 when the next value is neither. */
  boolean(): number {
    if (this.literal('true')) return 1;
    if (this.literal('false')) return 0;
    return -1;
  }

  /** True when the last string or number read is exactly `literal`. */
  is(literal: string): boolean {
    const length = literal.length;
    if (this.end - this.start !== length) return false;
    const text = this.text;
    const start = this.start;
    for (let i = 0; i < length; i++) if (text.charCodeAt(start + i) !== literal.charCodeAt(i)) return false;
    return true;
  }

  /** True when the last string or number read starts with `prefix` (which has no backslash or control character). */
  startsWith(prefix: string): boolean {
    const length = prefix.length;
    if (this.end - this.start < length) return false;
    const text = this.text;
    const start = this.start;
    for (let i = 0; i < length; i++) if (text.charCodeAt(start + i) !== prefix.charCodeAt(i)) return false;
    return true;
  }

  /**
   * The last string or number read, as a string of its own. A slice of 13 characters or more is a
   * view into the frame (V8's sliced string) that keeps the whole frame alive as long as the slice
   * lives, and an id lives on in the dedup cache (10 000 per instrument): pieces of up to 12
   * characters are copies, and their concatenation is flattened into a copy when first read.
   */
  copy(): string {
    const text = this.text;
    const end = this.end;
    let at = this.start + 12;
    let copy = text.slice(this.start, Math.min(at, end));
    for (; at < end; at += 12) copy += text.slice(at, Math.min(at + 12, end));
    return copy;
  }

  /**
   * The last string or number read as a plain decimal (digits with at most one inner point, at
   * most 15 digits: the same double `Number` gives, see `plainDecimal`), or -1 for any other text.
   */
  decimal(): number {
    return plainDecimalIn(this.text, this.start, this.end);
  }

  /** The last string or number read as an integer of 1 to 15 digits (exact), or -1 for any other text. */
  integer(): number {
    const text = this.text;
    const start = this.start;
    const length = this.end - start;
    if (length === 0 || length > 15) return -1;
    let value = 0;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(start + i);
      if (code < ZERO || code > NINE) return -1;
      value = value * 10 + (code - ZERO);
    }
    return value;
  }

  private literal(word: string): boolean {
    const text = this.text;
    const at = this.at;
    for (let i = 0; i < word.length; i++) if (text.charCodeAt(at + i) !== word.charCodeAt(i)) return false;
    this.at = at + word.length;
    return true;
  }
}

/** The code `FrameTextReader.key` returns for `name` (an ASCII key of 1 to 7 characters). */
export function keyCode(name: string): number {
  if (name.length === 0 || name.length > 7) throw new Error(`no key code for ${JSON.stringify(name)}`);
  let code = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c >= 0x80 || c === QUOTE || c === BACKSLASH)
      throw new Error(`no key code for ${JSON.stringify(name)}`);
    code = code * 128 + c;
  }
  return code;
}

/**
 * The code of every key without its own code (empty, longer than 7 characters, or not ASCII):
 * keyCode gives base-128 numbers whose digits are at least 0x20, so never 0.
 */
export const OTHER_KEY = 0;

function digitsEnd(text: string, from: number): number {
  let at = from;
  for (let c = text.charCodeAt(at); c >= ZERO && c <= NINE; c = text.charCodeAt(++at));
  return at;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
export const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const POINT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
export const LEFT_BRACE = 0x7b;
export const RIGHT_BRACE = 0x7d;
export const LEFT_BRACKET = 0x5b;
export const RIGHT_BRACKET = 0x5d;

const DATA_KEY = keyCode('data');
