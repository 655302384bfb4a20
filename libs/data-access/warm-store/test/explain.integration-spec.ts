import { Client } from 'pg';
import { createLogger } from '@mdp/platform';
import { createTestDatabase, type TestDatabase } from '@mdp/testing';
import { CandleQueryRepository, MigrationRunner, PgClientSession } from '../src';
import { MINUTE, candleRows, insertCandlesSql } from './warm-store-fixtures';

/** The range queries of the warm store use their indexes and partition pruning (plain PostgreSQL). */
describe('EXPLAIN of warm-store range queries on plain PostgreSQL', () => {
  let database: TestDatabase;
  let client: Client;
  const month = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    database = await createTestDatabase('warm_explain');
    client = new Client({ connectionString: database.url });
    await client.connect();
    await new MigrationRunner(new PgClientSession(client), {
      directory: (await import('./warm-store-fixtures')).MIGRATIONS_DIR,
      logger: createLogger('t', 'silent'),
    }).migrate();
    await client.query('SELECT count(*) FROM warm_store_maintain($1)', [new Date(month)]);
    // Two months of hourly-spaced candles for 20 symbols, and token metrics every 10 minutes for 50 tokens.
    const symbols = Array.from({ length: 20 }, (_, i) => `SYM${i}`);
    for (let day = 0; day < 59; day += 4) {
      await client.query(
        insertCandlesSql(
          candleRows(month - 30 * 86_400_000 + day * 86_400_000, 24 * 60, symbols).filter(
            (_, i) => i % 3 === 0,
          ),
        ),
      );
    }
    await client.query(
      `INSERT INTO tokens (id, cmc_id, name, symbol, slug) SELECT i, i, 'Token ' || i, 'T' || i, 'token-' || i FROM generate_series(1, 50) i`,
    );
    await client.query(
      `INSERT INTO token_metrics (token_id, "timestamp", price_usd, velocity)
       SELECT t, to_timestamp($1::float8 / 1000) + (m * INTERVAL '10 minutes'), 1 + t, 0.01 * t FROM generate_series(1, 50) t, generate_series(0, 8000) m`,
      [month - 30 * 86_400_000],
    );
    await client.query('ANALYZE');
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  const explain = async (sql: string, params: unknown[]) =>
    (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows
      .map((row) => row['QUERY PLAN'])
      .join('\n');

  it('reads a one-symbol, two-hour candle range through an index of one partition only', async () => {
    const from = month + 5 * 86_400_000 + 60 * MINUTE;
    const plan = await explain(
      CandleQueryRepository.rangeSql('1m')
        .replace('to_timestamp($3::float8 / 1000.0)', `'${new Date(from).toISOString()}'`)
        .replace('to_timestamp($4::float8 / 1000.0)', `'${new Date(from + 120 * MINUTE).toISOString()}'`),
      ['SYM3', 'all'],
    );
    expect(plan).toMatch(
      /Index (Only )?Scan( Backward)? using candles_1m_p2026_01_(pkey|time_idx) on candles_1m_p2026_01/,
    );
    expect(plan).not.toContain('candles_1m_p2025_12');
    expect(plan).not.toContain('candles_1m_default');
    expect(plan).not.toContain('Seq Scan');
  });

  it('prunes partitions when the range comes as parameters, as the repository sends it', async () => {
    const from = month + 5 * 86_400_000;
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${CandleQueryRepository.rangeSql('1m')}`,
      ['SYM3', 'all', from, from + 120 * MINUTE],
    );
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index (Only )?Scan( Backward)? using candles_1m_p2026_01_(pkey|time_idx)/);
    expect(
      plan.match(/candles_1m_(p\d{4}_\d{2}|default)\b/g)?.filter((name) => name !== 'candles_1m_p2026_01'),
    ).toEqual([]);
  });

  it('reads a token_metrics range for one token through the (token_id, timestamp) key', async () => {
    const plan = await explain(
      `SELECT "timestamp", price_usd, velocity FROM token_metrics WHERE token_id = $1 AND "timestamp" >= '2026-01-10T00:00:00Z' AND "timestamp" < '2026-01-11T00:00:00Z' ORDER BY "timestamp"`,
      [7],
    );
    expect(plan).toMatch(/Index Scan using token_metrics_p2026_01_pkey on token_metrics_p2026_01/);
    expect(plan).not.toContain('Seq Scan');
  });

  it('reads a token_metrics time range for all tokens through the timestamp index', async () => {
    const plan = await explain(
      `SELECT token_id, velocity FROM token_metrics WHERE "timestamp" >= '2026-01-10T00:00:00Z' AND "timestamp" < '2026-01-10T01:00:00Z'`,
      [],
    );
    expect(plan).toMatch(/(Bitmap Index|Index) Scan (using|on) token_metrics_p2026_01_timestamp_idx/);
    expect(plan).not.toContain('token_metrics_p2025_12');
  });
});
