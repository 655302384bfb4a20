import Redis from 'ioredis';

const LEASE_KEY = (db: number) => `mdp:test:db-lease:${db}`;
const LEASE_SECONDS = 1_200;

/**
 * Leases `count` of Redis's logical databases 1..15 for one test run, so test runs started at the
 * same time on one server (two terminals, or CI beside a developer) never flush each other's keys.
 * The leases live in database 0, expire after 20 minutes (longer than a whole test run), and are released by `releaseRedisDbs`.
 */
export async function leaseRedisDbs(url: string, count: number, owner: string): Promise<number[]> {
  const redis = new Redis(url, { db: 0, maxRetriesPerRequest: 1 });
  try {
    const leased: number[] = [];
    for (let db = 1; db <= 15 && leased.length < count; db++) {
      if ((await redis.set(LEASE_KEY(db), owner, 'EX', LEASE_SECONDS, 'NX')) === 'OK') leased.push(db);
    }
    if (leased.length === 0) {
      throw new Error(
        'all 15 Redis test databases are leased by other test runs; wait for them or flush mdp:test:db-lease:* in database 0',
      );
    }
    return leased;
  } finally {
    redis.disconnect();
  }
}

export async function releaseRedisDbs(url: string, dbs: number[], owner: string): Promise<void> {
  const redis = new Redis(url, { db: 0, maxRetriesPerRequest: 1 });
  try {
    for (const db of dbs) {
      if ((await redis.get(LEASE_KEY(db))) === owner) await redis.del(LEASE_KEY(db));
    }
  } finally {
    redis.disconnect();
  }
}
