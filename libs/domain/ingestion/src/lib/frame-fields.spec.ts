import fc from 'fast-check';
import { num, plainDecimal } from './frame-fields';

describe('plainDecimal', () => {
  it('gives the same number as Number for plain decimal texts', () => {
    const decimal = fc
      .tuple(fc.stringMatching(/^[0-9]{1,15}$/), fc.stringMatching(/^[0-9]{0,14}$/))
      .map(([whole, fraction]) => (fraction ? `${whole}.${fraction}` : whole))
      .filter((text) => text.replace('.', '').length <= 15);
    fc.assert(
      fc.property(decimal, (text) => {
        expect(plainDecimal(text)).toBe(Number(text));
      }),
      { numRuns: 20_000 },
    );
    for (const text of [
      '65005.9',
      '0.002',
      '24.998',
      '4.49093',
      '0.1',
      '999999999999999',
      '1.00000000000001',
    ])
      expect(plainDecimal(text)).toBe(Number(text));
  });

  it('leaves every other text to Number (-1)', () => {
    for (const text of [
      '',
      '.5',
      '5.',
      '1e5',
      ' 5',
      '5 ',
      '-5',
      '+5',
      '0x10',
      '1.2.3',
      'Infinity',
      '1234567890123456',
      '12345678.123456789',
    ])
      expect(plainDecimal(text)).toBe(-1);
  });

  it('num reads the texts Number reads, and rejects the rest as before', () => {
    for (const text of ['65005.9', '1e5', ' 5 ', '0x10', '.5', '5.', '12345678901234567'])
      expect(num({ p: text }, 'p')).toBe(Number(text));
    for (const text of ['', '  ', 'abc', 'Infinity']) expect(() => num({ p: text }, 'p')).toThrow('field p');
  });
});
