import { createHash } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createLogger } from '@mdp/platform';
import { createTestDatabase, type TestDatabase } from '@mdp/testing';
import {
  ApiKeyEntity,
  MigrationRunner,
  PgClientSession,
  TokenEntity,
  TokenMetricEntity,
  TradingDecisionEntity,
  createWarmStoreDataSource,
} from '../src';
import { MIGRATIONS_DIR } from './warm-store-fixtures';

describe('TypeORM entities of the warm store', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('warm_entities');
    const client = new Client({ connectionString: database.url });
    await client.connect();
    await new MigrationRunner(new PgClientSession(client), {
      directory: MIGRATIONS_DIR,
      logger: createLogger('t', 'silent'),
    }).migrate();
    await client.end();
    dataSource = await createWarmStoreDataSource(database.url).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('match the tables and columns the migrations create (synchronize is off and would only drop what entities do not declare)', async () => {
    expect(dataSource.options.synchronize).toBe(false);
    const pending = (await dataSource.driver.createSchemaBuilder().log()).upQueries.map(
      (query) => query.query,
    );
    // Indexes, foreign keys and checks belong to the migrations; no table or column differs.
    expect(
      pending.filter((query) =>
        /CREATE TABLE|DROP TABLE|ADD COLUMN|DROP COLUMN|TYPE |NOT NULL|RENAME/.test(query),
      ),
    ).toEqual([]);
    expect(pending.length).toBeGreaterThan(0); // which is why synchronize must never be turned on
  });

  it('write and read tokens, metrics, API keys and decisions', async () => {
    await dataSource
      .getRepository(TokenEntity)
      .insert({ id: 1, cmcId: 1, name: 'Bitcoin', symbol: 'BTC', slug: 'bitcoin' });
    await dataSource.getRepository(TokenMetricEntity).insert({
      tokenId: 1,
      timestamp: new Date('2026-01-05T12:00:00Z'),
      priceUsd: '45000.50000000',
      velocity: '0.02941176',
    });
    await dataSource
      .getRepository(ApiKeyEntity)
      .insert({ keyHash: createHash('sha256').update('secret').digest('hex'), name: 'ops' });
    await dataSource.getRepository(TradingDecisionEntity).insert({
      decisionId: 'd-1',
      decidedAt: new Date('2026-01-05T12:00:01Z'),
      symbol: 'AAPL',
      action: 'enter',
      side: 'long',
      quantity: 10,
      price: 150.25,
      confidence: 0.85,
      reasoning: 'breakout with volume surge',
      model: 'trade-llm-1',
      context: { rsi_14: 65.75 },
    });

    const metric = await dataSource.getRepository(TokenMetricEntity).findOneByOrFail({ tokenId: 1 });
    expect(metric).toMatchObject({
      tokenId: 1,
      timestamp: new Date('2026-01-05T12:00:00Z'),
      priceUsd: '45000.50000000',
      velocity: '0.02941176',
      id: '1',
    });
    expect(await dataSource.getRepository(TokenEntity).findOneByOrFail({ symbol: 'BTC' })).toMatchObject({
      id: 1,
      cmcId: 1,
      isActive: true,
    });
    expect(await dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ name: 'ops' })).toMatchObject({
      tier: 'basic',
      rateLimitPerMinute: 60,
      usageCount: 0,
    });
    expect(
      await dataSource.getRepository(TradingDecisionEntity).findOneByOrFail({ decisionId: 'd-1' }),
    ).toMatchObject({ action: 'enter', context: { rsi_14: 65.75 }, outcome: null });
  });
});
