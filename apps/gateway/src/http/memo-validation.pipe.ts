import { ValidationPipe, type ArgumentMetadata, type Type } from '@nestjs/common';

/** Longest query or path parameters (as their memo key) whose validated form is remembered. */
const MAX_MEMO_KEY_LENGTH = 512;
/** Validated forms remembered per DTO class; the memo starts over when it is full. */
const MAX_MEMO_ENTRIES = 1_000;

/**
 * The ValidationPipe (transform, unknown fields refused), remembering the validated DTO of the query
 * strings and path parameters it saw last: the same parameters validate to the same DTO, and the hot
 * routes (one snapshot, one token list page) are asked with the same few parameters thousands of times
 * a second, where class-transformer and class-validator cost about a tenth of a request's CPU
 * (measured, docs/gateway.md). Only valid input is remembered, as a frozen instance with frozen array
 * fields (handlers never change their DTOs); bodies are always validated afresh.
 */
export class MemoValidationPipe extends ValidationPipe {
  private readonly memos = new WeakMap<Type<unknown>, Map<string, unknown>>();

  /** A remembered DTO costs no async function (this runs on every request of the hot routes). */
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const key = this.memoKey(value, metadata);
    if (key === undefined) return super.transform(value, metadata);
    const known = this.memos.get(metadata.metatype!)?.get(key);
    if (known !== undefined) return Promise.resolve(known);
    return this.validateAndRemember(value, metadata, metadata.metatype!, key);
  }

  /**
   * For a hot route's dispatcher: the DTO remembered for the query of a request by its raw URL, or
   * undefined (then `transformQuery`). The URL's string is already there, so a hit builds no key and
   * costs no promise; one URL always parses to one query. A URL key starts with `/`, which no
   * `memoKeyOf` key does, so the two kinds of key share the memo without meeting.
   */
  rememberedQuery(url: string, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'query' && isUrlKey(url)
      ? this.memos.get(metadata.metatype!)?.get(url)
      : undefined;
  }

  /** Validates the query of a request as `transform` does, remembering it under the request's URL. */
  transformQuery(query: unknown, url: string, metadata: ArgumentMetadata): Promise<unknown> {
    if (!isUrlKey(url) || this.memoKey(query, metadata) === undefined) return this.transform(query, metadata);
    return this.validateAndRemember(query, metadata, metadata.metatype!, url);
  }

  /** The memo key of remembered parameters, or undefined for what is never remembered (bodies, long input). */
  private memoKey(value: unknown, metadata: ArgumentMetadata): string | undefined {
    const { metatype, type } = metadata;
    if ((type !== 'query' && type !== 'param') || !metatype || !this.toValidate(metadata)) return undefined;
    const key = memoKeyOf(value);
    return key === undefined || key.length > MAX_MEMO_KEY_LENGTH ? undefined : key;
  }

  private async validateAndRemember(
    value: unknown,
    metadata: ArgumentMetadata,
    metatype: Type<unknown>,
    key: string,
  ): Promise<unknown> {
    const validated: unknown = await super.transform(value, metadata);
    if (validated === null || typeof validated !== 'object') return validated;
    let memo = this.memos.get(metatype);
    if (!memo) {
      memo = new Map();
      this.memos.set(metatype, memo);
    } else if (memo.size >= MAX_MEMO_ENTRIES) memo.clear();
    for (const field of Object.values(validated)) if (Array.isArray(field)) Object.freeze(field);
    memo.set(key, Object.freeze(validated));
    return validated;
  }
}

function isUrlKey(url: string): boolean {
  return url.length <= MAX_MEMO_KEY_LENGTH && url.charCodeAt(0) === 0x2f; // '/'
}

/**
 * The memo key of query or path parameters: for the usual flat object of strings, each name and value
 * with its length before it (injective, and several times cheaper than JSON.stringify on Fastify's
 * null-prototype query objects); anything else (repeated parameters: arrays) as JSON. The two forms
 * cannot meet: the first is empty or starts with digits and `:`, while JSON starts with `{`, `[` or
 * `"`, or is a number or a literal, which holds no `:`.
 */
export function memoKeyOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  let key = '';
  for (const name in value) {
    const field = (value as Record<string, unknown>)[name];
    if (typeof field !== 'string') return JSON.stringify(value);
    key += `${name.length}:${name}${field.length}:${field}`;
  }
  return key;
}
