import { IsIn, IsString } from 'class-validator';
import { BadRequestException } from '@nestjs/common';
import { MemoValidationPipe, memoKeyOf } from './memo-validation.pipe';

class SortQuery {
  @IsIn(['a', 'b'])
  sort!: string;

  @IsString()
  page!: string;
}

const pipe = new MemoValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });
const metadata = { type: 'query' as const, metatype: SortQuery, data: undefined };

describe(MemoValidationPipe.name, () => {
  it('gives different parameters different memo keys, whatever characters they hold', () => {
    const keys = [
      { sort: 'a', page: '1' },
      { sort: 'a\u00001', page: '' },
      { 'sort\u0000a': '', page: '1' },
      { sort: 'a1:page', page: '' },
      { sort: 'a', page: '1', x: '' },
      { page: '1', sort: 'a' },
      { sort: ['a'], page: '1' },
      {},
    ].map(memoKeyOf);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('answers a remembered valid query with its frozen DTO, and still refuses an invalid one', async () => {
    const first = await pipe.transform({ sort: 'a', page: '1' }, metadata);
    expect(first).toBeInstanceOf(SortQuery);
    expect(Object.isFrozen(first)).toBe(true);
    expect(await pipe.transform({ sort: 'a', page: '1' }, metadata)).toBe(first);
    // One that would collide with the remembered one under a naive joined key.
    await expect(pipe.transform({ sort: 'a1', page: '' }, metadata)).rejects.toBeInstanceOf(
      BadRequestException,
    );
    await expect(pipe.transform({ sort: 'c', page: '1' }, metadata)).rejects.toBeInstanceOf(
      BadRequestException,
    );
    await expect(pipe.transform({ sort: 'a', page: '1', extra: 'x' }, metadata)).rejects.toBeInstanceOf(
      BadRequestException,
    );
  });

  it('tells a remembered DTO without a promise, and nothing for what was not validated or never is kept', async () => {
    const own = new MemoValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });
    const query = { sort: 'b', page: '2' };
    expect(own.remembered(query, metadata)).toBeUndefined();
    const validated = await own.transform(query, metadata);
    expect(own.remembered({ sort: 'b', page: '2' }, metadata)).toBe(validated);
    await expect(own.transform({ sort: 'x', page: '2' }, metadata)).rejects.toBeInstanceOf(
      BadRequestException,
    );
    expect(own.remembered({ sort: 'x', page: '2' }, metadata)).toBeUndefined();
    await own.transform(query, { ...metadata, type: 'body' });
    expect(own.remembered(query, { ...metadata, type: 'body' })).toBeUndefined();
  });
});
