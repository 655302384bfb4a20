import { copyBinaryChunks, type CopyBinaryColumn } from './copy-binary.util';

interface Row {
  time: number;
  name: string | null;
  count: number;
  ok: boolean;
}

const columns: CopyBinaryColumn<Row>[] = [
  { name: 'time', type: 'timestamptz', value: (row) => row.time },
  { name: 'name', type: 'text', value: (row) => row.name },
  { name: 'count', type: 'int4', value: (row) => row.count },
  { name: 'ok', type: 'bool', value: (row) => row.ok },
];
const encode = (rows: Row[], chunkBytes?: number) =>
  Buffer.concat([...copyBinaryChunks(columns, rows, chunkBytes)]);

describe('copyBinaryChunks', () => {
  it('writes the header, one tuple per row in the send formats, and the trailer', () => {
    const bytes = encode([{ time: Date.UTC(2000, 0, 1, 0, 0, 1, 500), name: 'é', count: -2, ok: true }]);
    expect(bytes.toString('hex')).toBe(
      [
        '5047434f50590aff0d0a00', // signature
        '00000000', // flags
        '00000000', // header extension
        '0004', // 4 fields
        '00000008' + '000000000016e360', // 1,500,000 µs after 2000-01-01
        '00000002' + 'c3a9', // 'é' in UTF-8
        '00000004' + 'fffffffe', // -2
        '00000001' + '01', // true
        'ffff', // trailer
      ].join(''),
    );
  });

  it('writes NULL as length -1 and a time before 2000 as a negative count of microseconds', () => {
    const bytes = encode([
      { time: Date.UTC(1999, 11, 31, 23, 59, 59, 999), name: null, count: 0, ok: false },
    ]);
    expect(bytes.subarray(21, 33).toString('hex')).toBe('00000008' + 'fffffffffffffc18');
    expect(bytes.subarray(33, 37).toString('hex')).toBe('ffffffff');
  });

  it('splits the stream into buffers of about the chunk size, each row whole in one buffer', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ time: i, name: `row ${i}`, count: i, ok: true }));
    const chunks = [...copyBinaryChunks(columns, rows, 256)];
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.every((chunk) => chunk.length <= 256)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(encode(rows));
  });

  it('refuses a value its column type cannot carry, naming the column', () => {
    expect(() => encode([{ time: Number.NaN, name: 'x', count: 1, ok: true }])).toThrow(
      'time: timestamp NaN',
    );
    expect(() => encode([{ time: 0, name: 'x', count: 1.5, ok: true }])).toThrow(
      'count: 1.5 is not a 32-bit integer',
    );
    expect(() => encode([{ time: 0, name: 'x', count: 2 ** 31, ok: true }])).toThrow('count: 2147483648');
  });
});
