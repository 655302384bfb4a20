import type Redis from 'ioredis';
import { createTestRedis, testRedisUrl, type TestDatabase } from '@mdp/testing';
import { calculateVelocity, type CmcListing } from '@mdp/domain-velocity';
import { TokenUpdateStream } from '@mdp/schemas';
import { decodeEntry } from '@mdp/transport';
import {
  buildPoller,
  createMigratedDatabase,
  StandInProcess,
  type PollerUnderTest,
} from './velocity-poller.harness';

interface MetricRow {
  token_id: number;
  ts: string;
  price_usd: string;
  market_cap_usd: string;
  volume_24h_usd: string;
  circulating_supply: string | null;
  velocity: string;
  velocity_1h: string;
  velocity_4h: string;
  velocity_12h: string;
  velocity_7d: string;
  data_quality_score: string;
}

describe('velocity poller against the stand-in, PostgreSQL and Redis', () => {
  let standIn: StandInProcess;
  let database: TestDatabase;
  let redis: Redis;
  let subject: PollerUnderTest;

  beforeAll(async () => {
    [standIn, database, redis] = await Promise.all([
      StandInProcess.start(200),
      createMigratedDatabase(),
      createTestRedis(),
    ]);
    subject = await buildPoller(database.url, testRedisUrl(), standIn.url);
  }, 60_000);

  afterAll(async () => {
    await subject?.close();
    await redis?.quit();
    await standIn?.stop();
    await database?.drop();
  });

  const count = async (table: string) =>
    Number((await subject.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  const metricsOf = async (tokenId: number) =>
    (
      await subject.pool.query<MetricRow>(
        `SELECT token_id, to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts, price_usd, market_cap_usd,
                volume_24h_usd, circulating_supply, velocity, velocity_1h, velocity_4h, velocity_12h, velocity_7d, data_quality_score
         FROM token_metrics WHERE token_id = $1 ORDER BY "timestamp"`,
        [tokenId],
      )
    ).rows;
  const streamEvents = async () => {
    const entries = (await redis.xrangeBuffer(TokenUpdateStream.stream, '-', '+')) as Array<
      [Buffer, Buffer[]]
    >;
    return entries.flatMap(([, fields]) => decodeEntry(fields).events as Array<Record<string, unknown>>);
  };
  const listingOf = (listings: CmcListing[], id: number) => listings.find((l) => l.id === id)!;

  it('stores tokens and metrics, writes token:{id} and velocity:{id}:{timeframe} with their TTLs, drops the lists and publishes every token', async () => {
    await subject.poller.cache.setList('market_cap', 10, 0, []);
    expect(await redis.exists('tokens:list:market_cap:10:0')).toBe(1);

    const report = await subject.poller.poll.poll();
    expect(report).toMatchObject({
      outcome: 'ok',
      received: 200,
      valid: 200,
      invalid: 0,
      tokensUpserted: 200,
      metricsInserted: 200,
    });
    expect(report.cacheKeysWritten).toBe(200 * 6);
    expect(report.listsInvalidated).toBe(1);
    expect(report.published).toBe(200);
    const served = (await standIn.lastListings()).data!;
    const btc = listingOf(served, 1);

    expect(await count('tokens')).toBe(200);
    expect(await count('token_metrics')).toBe(200);
    const token = await subject.pool.query(
      'SELECT id, cmc_id, name, symbol, slug, is_active FROM tokens WHERE id = 1',
    );
    expect(token.rows[0]).toEqual({
      id: 1,
      cmc_id: 1,
      name: 'Bitcoin',
      symbol: 'BTC',
      slug: 'bitcoin',
      is_active: true,
    });
    const velocity = calculateVelocity(btc.quote.USD.volume_24h!, btc.quote.USD.market_cap!);
    const [row] = await metricsOf(1);
    expect(row!.ts).toBe(btc.quote.USD.last_updated);
    expect(Number(row!.price_usd)).toBeCloseTo(btc.quote.USD.price!, 6);
    expect(Number(row!.market_cap_usd)).toBeCloseTo(btc.quote.USD.market_cap!, 1);
    expect(Number(row!.volume_24h_usd)).toBeCloseTo(btc.quote.USD.volume_24h!, 1);
    expect(Number(row!.velocity)).toBe(velocity);
    // first sample: every window holds only the current velocity
    expect([row!.velocity_1h, row!.velocity_4h, row!.velocity_12h, row!.velocity_7d].map(Number)).toEqual([
      velocity,
      velocity,
      velocity,
      velocity,
    ]);
    expect(row!.data_quality_score).toBe('1.00');
    // Shiba Inu's supply (5.89e14) does not fit DECIMAL(20,8): stored NULL, scored down (two supplies invalid)
    const [shib] = await metricsOf(11);
    expect(shib!.circulating_supply).toBeNull();
    expect(shib!.data_quality_score).toBe('0.80');

    expect(JSON.parse((await redis.get('token:1'))!)).toEqual({
      id: 1,
      cmc_id: 1,
      name: 'Bitcoin',
      symbol: 'BTC',
      slug: 'bitcoin',
      rank: btc.cmc_rank,
      price: btc.quote.USD.price,
      market_cap: btc.quote.USD.market_cap,
      volume_24h: btc.quote.USD.volume_24h,
      percent_change_1h: btc.quote.USD.percent_change_1h,
      percent_change_24h: btc.quote.USD.percent_change_24h,
      percent_change_7d: btc.quote.USD.percent_change_7d,
      velocity,
      trend: 'insufficient_data',
      data_quality_score: 1,
      last_updated: btc.quote.USD.last_updated,
      stale: false,
    });
    const ttl = await redis.ttl('token:1');
    expect(ttl).toBeGreaterThanOrEqual(59);
    expect(ttl).toBeLessThanOrEqual(60);
    for (const timeframe of ['1h', '4h', '12h', '24h', '7d']) {
      const entry = JSON.parse((await redis.get(`velocity:1:${timeframe}`))!) as Record<string, unknown>;
      expect(entry).toEqual({
        token_id: 1,
        timeframe,
        velocity,
        velocity_1h: velocity,
        velocity_4h: velocity,
        velocity_12h: velocity,
        velocity_24h: velocity,
        velocity_7d: velocity,
        trend: 'insufficient_data',
        data_quality_score: 1,
        stale: false,
        calculated_at: btc.quote.USD.last_updated,
      });
      const velocityTtl = await redis.ttl(`velocity:1:${timeframe}`);
      expect(velocityTtl).toBeGreaterThanOrEqual(299);
      expect(velocityTtl).toBeLessThanOrEqual(300);
    }
    expect(await redis.exists('tokens:list:market_cap:10:0')).toBe(0);

    const events = await streamEvents();
    expect(events).toHaveLength(200);
    expect(events.find((event) => event['tokenId'] === 1)).toEqual({
      tokenId: 1,
      cmcId: 1,
      symbol: 'BTC',
      name: 'Bitcoin',
      priceUsd: btc.quote.USD.price,
      marketCapUsd: btc.quote.USD.market_cap,
      volume24hUsd: btc.quote.USD.volume_24h,
      velocity,
      trend: 'insufficient_data',
      dataQualityScore: 1,
      ts: Date.parse(btc.quote.USD.last_updated),
    });
  });

  it('computes the window velocities and the trend from the stored history over later polls', async () => {
    for (let i = 0; i < 3; i++) expect((await subject.poller.poll.poll()).outcome).toBe('ok');
    const rows = await metricsOf(1);
    expect(rows).toHaveLength(4);
    const v = rows.map((r) => Number(r.velocity));
    const last = rows[3]!;
    // all four samples are within the hour: each window is their mean, rounded to 8 decimals
    // (exactly, in units of 1e-8, ties to even)
    const units = v.reduce((sum, x) => sum + Math.round(x * 1e8), 0);
    const quotient = units / 4;
    const rounded =
      quotient - Math.floor(quotient) === 0.5 && Math.floor(quotient) % 2 === 0
        ? Math.floor(quotient)
        : Math.round(quotient);
    const mean = rounded / 1e8;
    expect(Number(last.velocity_1h)).toBe(mean);
    expect(Number(last.velocity_7d)).toBe(mean);
    const recent = (v[0]! + v[1]! + v[2]!) / 3;
    const change = (v[3]! - recent) / recent;
    const expected = change > 0.05 ? 'increasing' : -change > 0.05 ? 'decreasing' : 'stable';
    const cached = JSON.parse((await redis.get('velocity:1:1h'))!) as { trend: string; velocity_1h: number };
    expect(cached.trend).toBe(expected);
    expect(cached.velocity_1h).toBe(Number(last.velocity_1h));
    expect(await count('token_metrics')).toBe(800);
  });

  it('flags an outlier against the token history and stores it with a lower score', async () => {
    await subject.poller.poll.poll(); // five samples of history for the outlier test
    await standIn.fail('spike');
    const report = await subject.poller.poll.poll();
    expect(report.outcome).toBe('ok');
    expect(report.outlierTokens).toEqual([1]);
    expect(report.outliers).toBe(1);
    const rows = await metricsOf(1);
    // price and market cap five times their history: 1 - 0.25 - 0.25
    expect(rows[rows.length - 1]!.data_quality_score).toBe('0.50');
    const cached = JSON.parse((await redis.get('token:1'))!) as { data_quality_score: number };
    expect(cached.data_quality_score).toBe(0.5);
  });

  it('survives a 429, a 500 and a 200 carrying error_code 1011 (retried) and counts the credits', async () => {
    const creditsBefore = subject.poller.cmc.credits.total;
    const retriesBefore = subject.poller.cmc.stats.retries;
    const rowsBefore = await count('token_metrics');
    await standIn.fail('429');
    await standIn.fail('500');
    await standIn.fail('error-envelope'); // HTTP 200 with error_code 1011 (per-IP limit): an error all the same
    const report = await subject.poller.poll.poll();
    expect(report.outcome).toBe('ok');
    expect(subject.poller.cmc.stats.retries - retriesBefore).toBe(3);
    expect(report.creditsUsed).toBe(1); // 200 listings: 1 credit per 200
    expect(subject.poller.cmc.credits.total - creditsBefore).toBe(1);
    expect(await count('token_metrics')).toBe(rowsBefore + 200);
  });

  it('rejects a malformed response, and a response of invalid listings, without writing anything', async () => {
    const rowsBefore = await count('token_metrics');
    const eventsBefore = (await streamEvents()).length;
    const cachedBefore = await redis.get('token:1');
    await standIn.fail('malformed');
    const malformed = await subject.poller.poll.poll();
    expect(malformed.outcome).toBe('rejected');
    expect(malformed.error).toMatch(/malformed response body/);
    await standIn.fail('invalid-listings');
    const invalid = await subject.poller.poll.poll();
    expect(invalid.outcome).toBe('rejected');
    expect(invalid).toMatchObject({ received: 20, valid: 0, invalid: 20 });
    expect(await count('token_metrics')).toBe(rowsBefore);
    expect((await streamEvents()).length).toBe(eventsBefore);
    expect(await redis.get('token:1')).toBe(cachedBefore);
    // and the next poll works again
    expect((await subject.poller.poll.poll()).outcome).toBe('ok');
  });

  it('gives up on a non-retryable answer (invalid key) without retrying, and keeps nothing', async () => {
    const other = await buildPoller(subject.config.DATABASE_URL, testRedisUrl(), standIn.url, {
      CMC_API_KEY: 'wrong',
    });
    try {
      const report = await other.poller.poll.poll();
      expect(report.outcome).toBe('failed');
      expect(report.error).toBe('CoinMarketCap error 1001 (HTTP 401): This API Key is invalid.');
      expect(other.poller.cmc.stats.retries).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('reports stale quotes: cached as stale with a lower score, not broadcast, and fresh again afterwards', async () => {
    const eventsBefore = (await streamEvents()).length;
    await standIn.fail('stale');
    const report = await subject.poller.poll.poll();
    expect(report.outcome).toBe('ok');
    expect(report.stale).toBe(200);
    expect(report.published).toBe(0);
    expect((await streamEvents()).length).toBe(eventsBefore);
    const served = (await standIn.lastListings()).data!;
    const cached = JSON.parse((await redis.get('token:1'))!) as Record<string, unknown>;
    expect(cached['stale']).toBe(true);
    expect(cached['last_updated']).toBe(listingOf(served, 1).quote.USD.last_updated);
    expect(cached['data_quality_score']).toBe(0.7); // 1 - 0.3
    const fresh = await subject.poller.poll.poll();
    expect(fresh.stale).toBe(0);
    expect(fresh.published).toBe(200);
    expect((JSON.parse((await redis.get('token:1'))!) as Record<string, unknown>)['stale']).toBe(false);
  });
});
