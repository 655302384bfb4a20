import { integerText } from './integer-text';

describe(integerText.name, () => {
  it('writes every integer as String() does', () => {
    const values = [0, 1, 9, 10, 11, 99, 100, 101, 109, 110, 999, 1_000, 1_001, 10_000, 99_999, 100_000];
    for (let power = 1; power < 1e16; power *= 10) values.push(power - 1, power, power + 1, power * 7 + 3);
    values.push(1_999_999_937, 2_000_000_000, Number.MAX_SAFE_INTEGER);
    for (let value = 0; value < 5_000; value++) values.push(value);
    for (const value of values) expect(integerText(value)).toBe(String(value));
  });

  it('falls back to String() for what is not a non-negative safe integer', () => {
    for (const value of [-1, -250, 1.5, Number.NaN, Infinity, 2 ** 60])
      expect(integerText(value)).toBe(String(value));
  });
});
