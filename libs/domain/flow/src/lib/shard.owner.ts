/** FNV-1a 32-bit hash of a string. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Which replica owns a symbol: replica `index` of `count` owns the symbols whose FNV-1a hash is
 * `index` modulo `count`, unless `assigned` names the owner explicitly (coin -> index).
 */
export function shardOf(symbol: string, count: number, assigned?: ReadonlyMap<string, number>): number {
  const explicit = assigned?.get(symbol);
  if (explicit !== undefined) return explicit;
  return count <= 1 ? 0 : fnv1a(symbol) % count;
}
