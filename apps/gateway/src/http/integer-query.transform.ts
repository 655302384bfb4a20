import { Transform } from 'class-transformer';

/**
 * A query parameter holding a non-negative integer in decimal digits becomes a number; anything else
 * (empty, `1e3`, `-1`, `12abc`) is left a string, so `@IsInt()` refuses it and names the parameter.
 * (`@Type(() => Number)` would turn an empty value into 0.)
 */
export function IntegerQuery(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value,
  );
}
