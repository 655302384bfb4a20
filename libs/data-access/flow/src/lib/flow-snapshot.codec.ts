import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** Prefix of a compressed snapshot value: `gz:` then base64 of the gzip of the JSON. JSON starts with `{`. */
export const COMPRESSED_PREFIX = 'gz:';

/**
 * The Redis value of a snapshot's JSON: the JSON itself, or when it is at least `compressMinBytes`
 * long (0: never) and gzip makes it smaller, `gz:` + base64(gzip(JSON)). Values stay strings, so
 * `GET` returns them whole. The gzip runs on libuv's thread pool: 1-2 ms of CPU for a 4h window's
 * 100 KB that would otherwise hold the writer's event loop.
 */
export async function encodeFlowSnapshot(json: string, compressMinBytes: number): Promise<string> {
  if (compressMinBytes <= 0 || json.length < compressMinBytes) return json;
  const packed = COMPRESSED_PREFIX + (await gzipAsync(json, { level: 6 })).toString('base64');
  return packed.length < json.length ? packed : json;
}

/** The JSON of a snapshot value as returned by GET, compressed or not. */
export function decodeFlowSnapshot(value: string): string {
  return value.startsWith(COMPRESSED_PREFIX)
    ? gunzipSync(Buffer.from(value.slice(COMPRESSED_PREFIX.length), 'base64')).toString('utf8')
    : value;
}

const COMPRESSED_PREFIX_BYTES = Buffer.from(COMPRESSED_PREFIX);

/** The JSON bytes of a snapshot value as returned by GET as a Buffer, compressed or not (no string in between). */
export function decodeFlowSnapshotBytes(value: Buffer): Buffer {
  return value.subarray(0, COMPRESSED_PREFIX_BYTES.length).equals(COMPRESSED_PREFIX_BYTES)
    ? gunzipSync(Buffer.from(value.subarray(COMPRESSED_PREFIX_BYTES.length).toString('latin1'), 'base64'))
    : value;
}
