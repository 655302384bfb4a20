import { hash, randomBytes } from 'node:crypto';

/** Limits of each tier, written into a key's row when it is created (and overridable per key). */
export const API_KEY_TIERS = {
  basic: { perMinute: 60, perMonth: 1_000 }, // seed 003's defaults
  pro: { perMinute: 600, perMonth: 1_000_000 },
  enterprise: { perMinute: 6_000, perMonth: 100_000_000 },
} as const;

export type ApiKeyTier = keyof typeof API_KEY_TIERS;

export function isApiKeyTier(value: string): value is ApiKeyTier {
  return Object.prototype.hasOwnProperty.call(API_KEY_TIERS, value);
}

/** The longest API key header accepted; longer values are refused before hashing. */
export const MAX_API_KEY_LENGTH = 256;

/** A new key: `mdp_` and 32 random bytes in base64url (256 bits, so a plain SHA-256 is a safe hash). */
export function generateApiKey(): string {
  return `mdp_${randomBytes(32).toString('base64url')}`;
}

/**
 * What is stored for a key (`api_keys.key_hash`): its SHA-256 in hex. The key itself never is.
 * One-shot `crypto.hash` (no Hash object: about a quarter of createHash's cost, on every request).
 */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** A key's row as the gateway needs it. */
export interface ApiKeyRecord {
  id: number;
  keyHash: string;
  name: string | null;
  tier: string;
  perMinute: number;
  perMonth: number;
  active: boolean;
}

/** Pub/sub channel on which a revoked key's hash is announced, so every replica forgets it at once. */
export const API_KEY_REVOKED_CHANNEL = 'api-keys:revoked';
