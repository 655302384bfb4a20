import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { HOUR_MS, VelocityHistory, classifyVelocityTrend, type TokenMetrics } from '@mdp/domain-velocity';
import type { VelocityTrend } from '@mdp/schemas';
import type { TokenListSort } from './token-cache.keys';
import type { TokenSnapshot } from './token-snapshot.model';

/**
 * The largest velocity `token_metrics.velocity*` (DECIMAL(10,8)) can hold. The seed caps velocity at
 * 100, which that column cannot store, so a capped 100 is stored as 99.99999999 (the cache and the
 * stream message carry 100).
 */
export const STORED_VELOCITY_MAX = 99.99999999;

const UPSERT_TOKENS = `
INSERT INTO tokens AS t (id, cmc_id, name, symbol, slug, date_added)
SELECT u.id, u.id, u.name, u.symbol, u.slug, to_timestamp(u.added / 1000.0)
FROM unnest($1::int4[], $2::text[], $3::text[], $4::text[], $5::float8[]) AS u(id, name, symbol, slug, added)
ON CONFLICT (id) DO UPDATE SET
  name = EXCLUDED.name, symbol = EXCLUDED.symbol, slug = EXCLUDED.slug, date_added = EXCLUDED.date_added,
  is_active = TRUE, updated_at = now()
WHERE (t.name, t.symbol, t.slug, t.date_added, t.is_active)
  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.symbol, EXCLUDED.slug, EXCLUDED.date_added, TRUE)`;

const METRIC_COLUMNS = [
  'token_id',
  'timestamp',
  'price_usd',
  'market_cap_usd',
  'volume_24h_usd',
  'circulating_supply',
  'total_supply',
  'max_supply',
  'percent_change_1h',
  'percent_change_24h',
  'percent_change_7d',
  'velocity',
  'velocity_1h',
  'velocity_4h',
  'velocity_12h',
  'velocity_7d',
  'data_quality_score',
] as const;

const INSERT_METRICS = `
INSERT INTO token_metrics (${METRIC_COLUMNS.map((c) => `"${c}"`).join(', ')})
SELECT c0, to_timestamp(c1 / 1000.0), ${METRIC_COLUMNS.slice(2)
  .map((_, i) => `c${i + 2}`)
  .join(', ')}
FROM unnest($1::int4[], $2::float8[], ${METRIC_COLUMNS.slice(2)
  .map((_, i) => `$${i + 3}::float8[]`)
  .join(', ')}) AS u(${METRIC_COLUMNS.map((_, i) => `c${i}`).join(', ')})
ON CONFLICT (token_id, "timestamp") DO NOTHING`;

const COPY_METRICS = `COPY token_metrics (${METRIC_COLUMNS.map((c) => `"${c}"`).join(', ')}) FROM STDIN`;
const UNIQUE_VIOLATION = '23505';

const LATEST_TOKENS = `
SELECT t.id, t.cmc_id, t.name, t.symbol, t.slug,
       (extract(epoch FROM m."timestamp") * 1000)::float8 AS ts,
       m.price_usd::float8 AS price, m.market_cap_usd::float8 AS market_cap, m.volume_24h_usd::float8 AS volume,
       m.percent_change_1h::float8 AS pc1h, m.percent_change_24h::float8 AS pc24h, m.percent_change_7d::float8 AS pc7d,
       m.velocity::float8 AS v, m.velocity_1h::float8 AS v1h, m.velocity_4h::float8 AS v4h,
       m.velocity_12h::float8 AS v12h, m.velocity_7d::float8 AS v7d, m.data_quality_score::float8 AS q
FROM tokens t
CROSS JOIN LATERAL (
  SELECT * FROM token_metrics tm WHERE tm.token_id = t.id ORDER BY tm."timestamp" DESC LIMIT 1
) m
WHERE t.is_active
ORDER BY m.market_cap_usd DESC NULLS LAST, t.id
LIMIT $1`;

/** The ORDER BY of each list sort (all descending, ties by id). */
const LIST_ORDER: Record<TokenListSort, string> = {
  market_cap: 'market_cap DESC NULLS LAST, id',
  volume_24h: 'volume DESC NULLS LAST, id',
  velocity: 'v DESC NULLS LAST, id',
  percent_change_24h: 'pc24h DESC NULLS LAST, id',
};

/**
 * The latest metrics of active tokens (one page of a sort, or one token), each with the velocities of
 * its 6 metric rows before the latest (oldest first) for the trend. `$1` limit, `$2` offset, `$3` a
 * token id or null for every token.
 */
function latestPageSql(sort: TokenListSort): string {
  return `
WITH latest AS (
  SELECT t.id, t.cmc_id, t.name, t.symbol, t.slug, m."timestamp" AS mts,
         (extract(epoch FROM m."timestamp") * 1000)::float8 AS ts,
         m.price_usd::float8 AS price, m.market_cap_usd::float8 AS market_cap, m.volume_24h_usd::float8 AS volume,
         m.percent_change_1h::float8 AS pc1h, m.percent_change_24h::float8 AS pc24h, m.percent_change_7d::float8 AS pc7d,
         m.velocity::float8 AS v, m.velocity_1h::float8 AS v1h, m.velocity_4h::float8 AS v4h,
         m.velocity_12h::float8 AS v12h, m.velocity_7d::float8 AS v7d, m.data_quality_score::float8 AS q
  FROM tokens t
  CROSS JOIN LATERAL (
    SELECT * FROM token_metrics tm WHERE tm.token_id = t.id ORDER BY tm."timestamp" DESC LIMIT 1
  ) m
  WHERE t.is_active AND ($3::int4 IS NULL OR t.id = $3)
  ORDER BY ${LIST_ORDER[sort]}
  LIMIT $1 OFFSET $2
)
SELECT l.*, ARRAY(
  SELECT p.v FROM (
    SELECT tm.velocity::float8 AS v, tm."timestamp" FROM token_metrics tm
    WHERE tm.token_id = l.id AND tm."timestamp" < l.mts AND tm.velocity IS NOT NULL
    ORDER BY tm."timestamp" DESC LIMIT 6
  ) p ORDER BY p."timestamp"
) AS previous
FROM latest l
ORDER BY ${LIST_ORDER[sort]}`;
}

const VELOCITY_HISTORY = `
SELECT (extract(epoch FROM "timestamp") * 1000)::float8 AS ts,
       velocity::float8 AS velocity, velocity_1h::float8 AS velocity_1h, velocity_4h::float8 AS velocity_4h,
       velocity_12h::float8 AS velocity_12h, velocity_7d::float8 AS velocity_7d,
       price_usd::float8 AS price_usd, market_cap_usd::float8 AS market_cap_usd, volume_24h_usd::float8 AS volume_24h_usd,
       data_quality_score::float8 AS data_quality_score
FROM token_metrics
WHERE token_id = $1 AND "timestamp" >= to_timestamp($2::float8 / 1000.0) AND "timestamp" <= to_timestamp($3::float8 / 1000.0)
ORDER BY "timestamp"
LIMIT $4`;

/** One `token_metrics` row of a token's velocity history (numbers as stored, null where not stored). */
export interface VelocityHistoryRow {
  /** Quote time, epoch ms. */
  ts: number;
  velocity: number | null;
  velocity_1h: number | null;
  velocity_4h: number | null;
  velocity_12h: number | null;
  velocity_7d: number | null;
  price_usd: number | null;
  market_cap_usd: number | null;
  volume_24h_usd: number | null;
  data_quality_score: number | null;
}

interface LatestRow {
  id: number;
  cmc_id: number;
  name: string;
  symbol: string;
  slug: string;
  ts: number;
  price: number | null;
  market_cap: number | null;
  volume: number | null;
  pc1h: number | null;
  pc24h: number | null;
  pc7d: number | null;
  v: number | null;
  v1h: number | null;
  v4h: number | null;
  v12h: number | null;
  v7d: number | null;
  q: number | null;
}

/**
 * seed 003 `tokens` and `token_metrics` in the warm store: one poll's tokens upserted and metrics
 * inserted in one transaction (`INSERT ... SELECT FROM unnest(...)`, one statement per table), the
 * velocity history read back at start, and the latest metrics of the top tokens for cache warming.
 * `tokens.id` is the CoinMarketCap id. A metric row already stored (same token and quote time) is
 * skipped, so a repeated quote or a retried poll never doubles a row.
 */
export class TokenStoreRepository {
  /** name|symbol|slug|date_added of every token known to be stored so, to upsert only new or changed ones. */
  private readonly known = new Map<number, string>();

  constructor(private readonly pool: Pool) {}

  /** Upserts the tokens and inserts the metrics of one poll, atomically. */
  async writePoll(metrics: readonly TokenMetrics[]): Promise<{ tokens: number; metrics: number }> {
    if (metrics.length === 0) return { tokens: 0, metrics: 0 };
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const changed = this.changedTokens(metrics);
      const tokens = await this.upsertTokens(client, changed);
      const inserted = await this.insertMetrics(client, metrics);
      await client.query('COMMIT');
      client.release();
      for (const m of changed) this.known.set(m.tokenId, identity(m));
      return { tokens, metrics: inserted };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  /**
   * Loads the velocity history: every sample since `fineSince` (hour-aligned, normally now - 12 h) and
   * hourly sums from `hourlySince` (now - 7 d) up to `fineSince`.
   */
  async loadHistory(history: VelocityHistory, nowMs: number): Promise<{ samples: number; hours: number }> {
    const fineSince = Math.floor((nowMs - 12 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    const hourlySince = Math.floor((nowMs - 168 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    const hours = await this.pool.query<{ token_id: number; hour: number; sum: number; count: number }>(
      `SELECT token_id, (extract(epoch FROM date_trunc('hour', "timestamp")) * 1000)::float8 AS hour,
              sum(velocity)::float8 AS sum, count(velocity)::int AS count
       FROM token_metrics
       WHERE "timestamp" >= to_timestamp($1 / 1000.0) AND "timestamp" < to_timestamp($2 / 1000.0) AND velocity IS NOT NULL
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [hourlySince, fineSince],
    );
    for (const row of hours.rows) history.addHourlySum(row.token_id, row.hour, row.sum, row.count);
    const samples = await this.pool.query<{
      token_id: number;
      ts: number;
      v: number;
      price: number;
      market_cap: number;
      volume: number;
    }>(
      `SELECT token_id, (extract(epoch FROM "timestamp") * 1000)::float8 AS ts, velocity::float8 AS v,
              price_usd::float8 AS price, market_cap_usd::float8 AS market_cap, volume_24h_usd::float8 AS volume
       FROM token_metrics
       WHERE "timestamp" >= to_timestamp($1 / 1000.0) AND velocity IS NOT NULL
       ORDER BY token_id, "timestamp"`,
      [fineSince],
    );
    for (const row of samples.rows) {
      history.add(row.token_id, {
        ts: row.ts,
        velocity: row.v,
        priceUsd: row.price,
        marketCapUsd: row.market_cap,
        volume24hUsd: row.volume,
      });
    }
    return { samples: samples.rows.length, hours: hours.rows.length };
  }

  /**
   * The latest stored metrics of the `limit` largest active tokens by market cap (cache warming).
   * `trendOf` supplies the trend (not a stored column); `staleAfterMs` marks old quotes stale.
   */
  async latestTopTokens(
    limit: number,
    nowMs: number,
    staleAfterMs: number,
    trendOf: (tokenId: number, velocity: number, ts: number) => VelocityTrend,
  ): Promise<TokenSnapshot[]> {
    const result = await this.pool.query<LatestRow>(LATEST_TOKENS, [limit]);
    return result.rows.map((row) =>
      snapshotOf(row, trendOf(row.id, row.v ?? 0, row.ts), nowMs, staleAfterMs),
    );
  }

  /**
   * One page of active tokens by `sort` (descending), their latest stored metrics, for the
   * `tokens:list:*` caches. The trend is classified (seed 003) from the 6 stored velocities before
   * the latest; quotes older than `staleAfterMs` are marked stale. The rank is not stored: null.
   */
  async latestTokenPage(
    sort: TokenListSort,
    limit: number,
    offset: number,
    nowMs: number,
    staleAfterMs: number,
  ): Promise<TokenSnapshot[]> {
    const result = await this.pool.query<LatestRow & { previous: number[] }>(latestPageSql(sort), [
      limit,
      offset,
      null,
    ]);
    return result.rows.map((row) =>
      snapshotOf(row, classifyVelocityTrend(row.v ?? 0, row.previous).trend, nowMs, staleAfterMs),
    );
  }

  /** The latest stored metrics of one active token (as `latestTokenPage`), or null when there is none. */
  async latestToken(tokenId: number, nowMs: number, staleAfterMs: number): Promise<TokenSnapshot | null> {
    const result = await this.pool.query<LatestRow & { previous: number[] }>(latestPageSql('market_cap'), [
      1,
      0,
      tokenId,
    ]);
    const row = result.rows[0];
    return row === undefined
      ? null
      : snapshotOf(row, classifyVelocityTrend(row.v ?? 0, row.previous).trend, nowMs, staleAfterMs);
  }

  /** A token's stored metrics with startMs <= timestamp <= endMs, oldest first, at most `limit`. */
  async velocityHistory(
    tokenId: number,
    startMs: number,
    endMs: number,
    limit: number,
  ): Promise<VelocityHistoryRow[]> {
    const result = await this.pool.query<VelocityHistoryRow>(VELOCITY_HISTORY, [
      tokenId,
      startMs,
      endMs,
      limit,
    ]);
    return result.rows;
  }

  /** Whether `tokens` holds this id (active or not). */
  async tokenExists(tokenId: number): Promise<boolean> {
    const result = await this.pool.query('SELECT 1 FROM tokens WHERE id = $1', [tokenId]);
    return (result.rowCount ?? 0) > 0;
  }

  private changedTokens(metrics: readonly TokenMetrics[]): TokenMetrics[] {
    const changed: TokenMetrics[] = [];
    for (const m of metrics) if (this.known.get(m.tokenId) !== identity(m)) changed.push(m);
    return changed;
  }

  private async upsertTokens(client: PoolClient, metrics: readonly TokenMetrics[]): Promise<number> {
    const n = metrics.length;
    if (n === 0) return 0;
    const ids = new Array<number>(n);
    const names = new Array<string>(n);
    const symbols = new Array<string>(n);
    const slugs = new Array<string>(n);
    const added = new Array<number | null>(n);
    for (let i = 0; i < n; i++) {
      const listing = metrics[i]!.listing;
      ids[i] = listing.cmcId;
      names[i] = listing.name;
      symbols[i] = listing.symbol;
      slugs[i] = listing.slug;
      added[i] = listing.dateAdded;
    }
    const result = await client.query(UPSERT_TOKENS, [ids, names, symbols, slugs, added]);
    return result.rowCount ?? 0;
  }

  private async insertMetrics(client: PoolClient, metrics: readonly TokenMetrics[]): Promise<number> {
    const columns: Array<Array<number | null>> = METRIC_COLUMNS.map(() => []);
    for (const m of metrics) {
      if (m.duplicate) continue;
      const l = m.listing;
      columns[0]!.push(m.tokenId);
      columns[1]!.push(m.ts);
      columns[2]!.push(l.priceUsd);
      columns[3]!.push(l.marketCapUsd);
      columns[4]!.push(l.volume24hUsd);
      columns[5]!.push(l.circulatingSupply);
      columns[6]!.push(l.totalSupply);
      columns[7]!.push(l.maxSupply);
      columns[8]!.push(l.percentChange1h);
      columns[9]!.push(l.percentChange24h);
      columns[10]!.push(l.percentChange7d);
      columns[11]!.push(stored(m.velocity));
      columns[12]!.push(stored(m.velocity1h));
      columns[13]!.push(stored(m.velocity4h));
      columns[14]!.push(stored(m.velocity12h));
      columns[15]!.push(stored(m.velocity7d));
      columns[16]!.push(m.dataQualityScore);
    }
    const rows = columns[0]!.length;
    if (rows === 0) return 0;
    // COPY is the fastest bulk path; a row already stored (a retried poll after a restart) fails the
    // COPY as a whole, and the batch is then written with INSERT ... ON CONFLICT DO NOTHING.
    await client.query('SAVEPOINT metrics_copy');
    try {
      await pipeline(Readable.from([copyText(columns, rows)]), client.query(copyFrom(COPY_METRICS)));
      await client.query('RELEASE SAVEPOINT metrics_copy');
      return rows;
    } catch (error) {
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      await client.query('ROLLBACK TO SAVEPOINT metrics_copy');
    }
    const result = await client.query(INSERT_METRICS, columns);
    return result.rowCount ?? 0;
  }
}

/** A token's latest stored metrics as a snapshot (no CoinMarketCap rank: it is not stored). */
function snapshotOf(
  row: LatestRow,
  trend: VelocityTrend,
  nowMs: number,
  staleAfterMs: number,
): TokenSnapshot {
  const velocity = row.v ?? 0;
  return {
    tokenId: row.id,
    cmcId: row.cmc_id,
    name: row.name,
    symbol: row.symbol,
    slug: row.slug,
    cmcRank: null,
    ts: row.ts,
    priceUsd: row.price ?? 0,
    marketCapUsd: row.market_cap ?? 0,
    volume24hUsd: row.volume ?? 0,
    percentChange1h: row.pc1h,
    percentChange24h: row.pc24h,
    percentChange7d: row.pc7d,
    velocity,
    velocity1h: row.v1h ?? velocity,
    velocity4h: row.v4h ?? velocity,
    velocity12h: row.v12h ?? velocity,
    velocity7d: row.v7d ?? velocity,
    trend,
    dataQualityScore: row.q ?? 0,
    stale: nowMs - row.ts > staleAfterMs,
  };
}

function stored(velocity: number): number {
  return velocity > STORED_VELOCITY_MAX ? STORED_VELOCITY_MAX : velocity;
}

function identity(m: TokenMetrics): string {
  const l = m.listing;
  return `${l.name}\u0000${l.symbol}\u0000${l.slug}\u0000${l.dateAdded ?? ''}`;
}

/** COPY text: tab-separated, `\N` for NULL; the time column as ISO-8601. Names never reach COPY (numbers only). */
function copyText(columns: Array<Array<number | null>>, rows: number): string {
  const lines = new Array<string>(rows);
  const width = columns.length;
  for (let r = 0; r < rows; r++) {
    let line = String(columns[0]![r]) + '\t' + new Date(columns[1]![r]!).toISOString();
    for (let c = 2; c < width; c++) {
      const value = columns[c]![r];
      line += value === null || value === undefined ? '\t\\N' : '\t' + String(value);
    }
    lines[r] = line;
  }
  return lines.join('\n') + '\n';
}
