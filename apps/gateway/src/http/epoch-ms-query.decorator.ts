import { applyDecorators } from '@nestjs/common';
import { IsInt, Max, Min } from 'class-validator';
import { IntegerQuery } from './integer-query.transform';

/** The largest epoch ms accepted (year 2286): timestamps stay exact integers. */
export const MAX_QUERY_EPOCH_MS = 9_999_999_999_999;

/** A query parameter holding an epoch time in milliseconds; anything else is a 400 naming the parameter. */
export function EpochMsQuery(): PropertyDecorator {
  return applyDecorators(
    IntegerQuery(),
    IsInt({ message: '$property must be an epoch time in milliseconds (a non-negative integer)' }),
    Min(0),
    Max(MAX_QUERY_EPOCH_MS),
  );
}
