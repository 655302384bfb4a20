/** Capped exponential backoff delay (ms) for the n-th consecutive failure (n >= 1). */
export function retryBackoff(failures: number, baseMs = 50, maxMs = 2_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(16, Math.max(0, failures - 1)));
}
