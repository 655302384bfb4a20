import type { ApiKeyRecord } from './api-key';
import type { ApiKeyStore } from './api-key.store';

const MAX_ENTRIES = 50_000;

interface Entry {
  record: ApiKeyRecord | null;
  expiresAt: number;
}

/**
 * Keys looked up by hash, valid and unknown alike, remembered for `ttlMs` so a request costs no
 * database round trip; concurrent lookups of one hash share one query. A revocation announced over
 * pub/sub evicts at once (`forget`), and the TTL bounds how stale a missed announcement can be.
 * Bounded: past MAX_ENTRIES the oldest entries go first.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<ApiKeyRecord | null>>();

  constructor(
    private readonly store: ApiKeyStore,
    private readonly ttlMs: number,
  ) {}

  lookup(keyHash: string, now = Date.now()): ApiKeyRecord | null | Promise<ApiKeyRecord | null> {
    const entry = this.entries.get(keyHash);
    if (entry !== undefined && entry.expiresAt > now) return entry.record;
    const pending = this.inFlight.get(keyHash);
    if (pending) return pending;
    const query = this.store.findByHash(keyHash).then(
      (record) => {
        this.inFlight.delete(keyHash);
        if (this.ttlMs > 0) this.remember(keyHash, record, Date.now() + this.ttlMs);
        return record;
      },
      (error: unknown) => {
        this.inFlight.delete(keyHash);
        throw error;
      },
    );
    this.inFlight.set(keyHash, query);
    return query;
  }

  forget(keyHash: string): void {
    this.entries.delete(keyHash);
  }

  private remember(keyHash: string, record: ApiKeyRecord | null, expiresAt: number): void {
    this.entries.delete(keyHash);
    this.entries.set(keyHash, { record, expiresAt });
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
