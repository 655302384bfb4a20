import fc from 'fast-check';
import { FrameTextReader, OTHER_KEY, keyCode } from './frame-text.reader';

/** True when the reader takes `text` as one whole value. */
function readsWhole(text: string): boolean {
  const reader = new FrameTextReader();
  reader.reset(text);
  return reader.skip() && reader.done();
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Characters that make or break JSON, for edits of valid texts. */
const JSON_CHARACTERS = '{}[]:,"\\ \t\n0123456789.-+eEtrufalsn\u0000\u001fx';

/** `text` with one character deleted, inserted or replaced. */
const edited = (text: fc.Arbitrary<string>) =>
  fc
    .tuple(text, fc.nat(), fc.nat(JSON_CHARACTERS.length - 1), fc.constantFrom('delete', 'insert', 'replace'))
    .map(([value, at, pick, edit]) => {
      const i = value.length === 0 ? 0 : at % value.length;
      const c = JSON_CHARACTERS[pick]!;
      if (edit === 'delete') return value.slice(0, i) + value.slice(i + 1);
      if (edit === 'insert') return value.slice(0, i) + c + value.slice(i);
      return value.slice(0, i) + c + value.slice(i + 1);
    });

describe(FrameTextReader.name, () => {
  const json = fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value));

  it('takes every JSON text without escapes, control characters or depth beyond 8', () => {
    fc.assert(
      fc.property(json, (text) => {
        if (!/[\u0000-\u001f\\]/.test(text)) expect(readsWhole(text)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes nothing JSON.parse rejects (edited, cut and made-up texts)', () => {
    const texts = fc.oneof(
      edited(json),
      edited(edited(json)),
      json.chain((text) => fc.nat(text.length).map((cut) => text.slice(0, cut))),
      fc.string({ unit: fc.constantFrom(...JSON_CHARACTERS) }),
    );
    fc.assert(
      fc.property(texts, (text) => {
        if (readsWhole(text)) expect(parses(text)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    for (const text of [
      '01',
      '-',
      '1.',
      '.5',
      '1e',
      '1e+',
      '-01',
      '[1,]',
      '{"a":1,}',
      '{"a"}',
      '{"a":}',
      '"x',
      'tru',
      'nul',
    ])
      expect(readsWhole(text)).toBe(false);
    expect(readsWhole('[[[[[[[[1]]]]]]]]')).toBe(true);
    expect(readsWhole('[[[[[[[[[1]]]]]]]]]')).toBe(false); // deeper than 8: left to JSON.parse
  });

  it('codes ASCII keys of up to 7 characters, and every other key as OTHER_KEY', () => {
    const reader = new FrameTextReader();
    const keyOf = (text: string) => {
      reader.reset(text);
      return reader.key();
    };
    expect(keyOf('"tradeId":1')).toBe(keyCode('tradeId'));
    expect(keyOf('"s":1')).toBe(keyCode('s'));
    expect(keyCode('s')).not.toBe(keyCode('S'));
    expect(keyOf('"tradeIds":1')).toBe(OTHER_KEY);
    expect(keyOf('"":1')).toBe(OTHER_KEY);
    expect(keyOf('"é":1')).toBe(OTHER_KEY);
    expect(keyOf('"a"1')).toBe(-1);
    expect(keyOf('"a')).toBe(-1);
    expect(keyOf('a:1')).toBe(-1);
    fc.assert(
      fc.property(
        fc.string({
          minLength: 1,
          maxLength: 7,
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        }),
        fc.string({
          minLength: 1,
          maxLength: 7,
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        }),
        (a, b) => {
          fc.pre(!/["\\]/.test(a + b));
          expect(keyOf(`"${a}":1`)).toBe(keyCode(a));
          expect(keyCode(a) === keyCode(b)).toBe(a === b);
        },
      ),
    );
    expect(() => keyCode('tradeIds')).toThrow('no key code');
  });

  it('copies a string read, whatever its length', () => {
    const reader = new FrameTextReader();
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (text) => {
        fc.pre(!text.includes('"'));
        reader.reset(`{"i":"${text}"}`);
        reader.take(0x7b);
        reader.key();
        expect(reader.string()).toBe(true);
        expect(reader.copy()).toBe(text);
      }),
    );
  });

  it('reads plain decimals and integers as Number does, and nothing else', () => {
    const reader = new FrameTextReader();
    const read = (text: string) => {
      reader.reset(`"${text}"`);
      reader.string();
      return [reader.decimal(), reader.integer()];
    };
    expect(read('65005.9')).toEqual([65005.9, -1]);
    expect(read('1763769600200')).toEqual([1763769600200, 1763769600200]);
    expect(read('0123')).toEqual([123, 123]);
    for (const text of ['', '1e5', '-1', '.5', '5.', '1.2.3', '1234567890123456'])
      expect(read(text)).toEqual([-1, -1]);
  });
});
