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

  it('remembers a query by its request URL too, apart from the parameters it holds', async () => {
    const own = new MemoValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });
    const query = { sort: 'b', page: '2' };
    const url = '/things?sort=b&page=2';
    expect(own.rememberedQuery(url, metadata)).toBeUndefined();
    const validated = await own.transformQuery(query, url, metadata);
    expect(validated).toBeInstanceOf(SortQuery);
    expect(own.rememberedQuery(url, metadata)).toBe(validated);
    expect(own.rememberedQuery('/things?page=2&sort=b', metadata)).toBeUndefined();
    // A parameter named like a parameters key is not taken for those parameters.
    const named = `/${memoKeyOf(query)}`;
    expect(own.rememberedQuery(named, metadata)).toBeUndefined();
    await expect(
      own.transformQuery({ sort: 'x', page: '2' }, '/things?sort=x&page=2', metadata),
    ).rejects.toBeInstanceOf(BadRequestException);
    expect(own.rememberedQuery('/things?sort=x&page=2', metadata)).toBeUndefined();
    // Not a path (absolute-form, too long) or not a query: validated, never remembered by URL.
    await own.transformQuery(query, 'http://host/things?sort=b&page=2', metadata);
    expect(own.rememberedQuery('http://host/things?sort=b&page=2', metadata)).toBeUndefined();
    const long = `/things?sort=b&page=2&${'x'.repeat(600)}`;
    await own.transformQuery(query, long, metadata);
    expect(own.rememberedQuery(long, metadata)).toBeUndefined();
    await own.transformQuery(query, url, { ...metadata, type: 'body' });
    expect(own.rememberedQuery(url, { ...metadata, type: 'body' })).toBeUndefined();
  });
});
