import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { TradeStream } from '@mdp/schemas';
import { aTrade } from '@mdp/schemas/testing';
import { EntryDecodeError, decodeEntry, encodeEntry } from './stream-codec';

const asBuffers = (fields: Array<string | Buffer>) =>
  fields.map((field) => (Buffer.isBuffer(field) ? field : Buffer.from(field)));

describe('stream codec', () => {
  it('round-trips a batch frame, optional fields staying absent where they were', () => {
    const events = [
      aTrade({ tradeId: '1' }),
      aTrade({ tradeId: '2', backfill: true }),
      aTrade({ tradeId: '3' }),
    ];
    const decoded = decodeEntry(asBuffers(encodeEntry(TradeStream, events)));
    expect(decoded).toEqual({ type: 'trade', version: 1, events });
    expect('backfill' in (decoded.events[0] as object)).toBe(false);
  });

  it('writes standard MessagePack: [field names, rows]', () => {
    const fields = encodeEntry(TradeStream, [aTrade({ tradeId: '7' })]);
    expect(fields.slice(0, 6)).toEqual(['t', 'trade', 'v', '1', 'n', '1']);
    const [names, rows] = new Packr({ useRecords: false }).unpack(fields[7] as Buffer) as [
      string[],
      unknown[][],
    ];
    expect(names[names.indexOf('tradeId')]).toBe('tradeId');
    expect(rows[0]![names.indexOf('tradeId')]).toBe('7');
    expect(rows[0]![names.indexOf('price')]).toBe(65_000.5);
  });

  it('rejects entries that are not in the format, saying why', () => {
    const packr = new Packr({ useRecords: false });
    const entry = (payload: unknown, n = '1') =>
      asBuffers(['t', 'trade', 'v', '1', 'n', n, 'p', packr.pack(payload)]);
    expect(() => decodeEntry(asBuffers(['x', 'y']))).toThrow('entry lacks the fields t, v and p (has x)');
    expect(() => decodeEntry(entry([{ a: 1 }]))).toThrow('payload is not a MessagePack [fields, rows] pair');
    expect(() => decodeEntry(entry([['a', 'b'], [[1]]]))).toThrow(
      'row 0 does not have one value per field (2)',
    );
    expect(() => decodeEntry(entry([['a'], [[1]]], '2'))).toThrow('entry says n=2 but carries 1 events');
    expect(() => decodeEntry(asBuffers(['t', 'trade', 'v', '1', 'p', Buffer.from([0xc1])]))).toThrow(
      EntryDecodeError,
    );
    expect(() => decodeEntry(entry([['__proto__'], [[{ polluted: true }]]]))).toThrow(
      'payload field names include __proto__',
    );
  });

  it('keeps hostile field names as plain data', () => {
    const packr = new Packr({ useRecords: false });
    const names = ['a"];process.exit(1);//', 'b\u2028', 'constructor'];
    const fields = asBuffers(['t', 'x', 'v', '1', 'n', '1', 'p', packr.pack([names, [[1, 2, 3]]])]);
    expect(decodeEntry(fields).events).toEqual([{ [names[0]!]: 1, [names[1]!]: 2, constructor: 3 }]);
  });

  it('encodes every value as msgpackr does (same bytes), a missing field as nil', () => {
    const packr = new Packr({
      useRecords: false,
      moreTypes: false,
      mapsAsObjects: true,
      variableMapSize: true,
    });
    const value = fc.oneof(
      fc.constantFrom(undefined, null, true, false, -0, NaN, Infinity, -Infinity, 2 ** 32, -(2 ** 31) - 1),
      fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
      fc.constantFrom(127, 128, 255, 256, 65_535, 65_536, -32, -33, -128, -129, -32_768, -32_769),
      fc.maxSafeInteger(),
      fc.double(),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.constantFrom('x'.repeat(31), 'x'.repeat(32), 'x'.repeat(255), 'x'.repeat(256), 'é'.repeat(70_000)),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
    );
    const event = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'tradeId', 'price'), value, { maxKeys: 5 });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 20 }), (events) => {
        const payload = encodeEntry(TradeStream, events)[7] as Buffer;
        const fields: string[] = [];
        for (const item of events) for (const name in item) if (!fields.includes(name)) fields.push(name);
        const rows = events.map((item) => fields.map((name) => item[name] ?? null));
        expect(payload.equals(packr.pack([fields, rows]))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('writes the field names and rows of a large batch with mixed key orders', () => {
    const events = Array.from({ length: 70_000 }, (_, i) =>
      i % 3 === 0 ? { b: i, a: `id-${i}` } : i % 3 === 1 ? { a: `id-${i}`, b: i, c: true } : { a: `id-${i}` },
    );
    const decoded = decodeEntry(asBuffers(encodeEntry(TradeStream, events)));
    expect(decoded.events).toEqual(events);
    const [names] = new Packr({ useRecords: false }).unpack(
      encodeEntry(TradeStream, events)[7] as Buffer,
    ) as [string[]];
    expect(names).toEqual(['b', 'a', 'c']);
  });

  it('hands out payloads that later encodes never overwrite', () => {
    const first = encodeEntry(TradeStream, [aTrade({ tradeId: 'first' })]);
    const copy = Buffer.from(first[7] as Buffer);
    // Enough entries to fill the chunk the first payload lives in several times over.
    const many = Array.from({ length: 200 }, (_, i) => aTrade({ tradeId: `t${i}` }));
    for (let i = 0; i < 200; i++) encodeEntry(TradeStream, many);
    expect((first[7] as Buffer).equals(copy)).toBe(true);
    expect(decodeEntry(asBuffers(first)).events).toEqual([aTrade({ tradeId: 'first' })]);
  });
});
