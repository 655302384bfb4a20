/** Bytes of a size such as `240mb`. */
export function parseMemorySize(text: string): number {
  const match = /^(\d+)(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Number(match[1]) * factor;
}
