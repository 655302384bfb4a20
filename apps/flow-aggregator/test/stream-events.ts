import type Redis from 'ioredis';
import { decodeEntry } from '@mdp/transport';
import type { StreamDefinition } from '@mdp/schemas';

/** Every event in a stream, in order (decoded batch frames). */
export async function readAll<T>(redis: Redis, definition: StreamDefinition): Promise<T[]> {
  const entries = (await redis.xrangeBuffer(definition.stream, '-', '+')) as Array<[Buffer, Buffer[]]>;
  return entries.flatMap(([, fields]) => decodeEntry(fields).events as T[]);
}
