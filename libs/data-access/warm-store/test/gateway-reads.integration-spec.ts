import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { aLiquidation, aSignal } from '@mdp/schemas/testing';
import type { TestDatabase } from '@mdp/testing';
import {
  LiquidationQueryRepository,
  LiquidationRepository,
  LiquidationSignalRepository,
  PgClientSession,
  TradingDecisionRepository,
  createWarmStoreDataSource,
  withPooledClient,
  type TradingDecisionRecord,
} from '../src';
import { createMigratedDatabase } from '../src/testing';

const T0 = 1_700_000_000_000;

describe('warm-store reads of the gateway', () => {
  let database: TestDatabase;
  let pool: Pool;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createMigratedDatabase('warm_reads');
    pool = new Pool({ connectionString: database.url, max: 2 });
    dataSource = await createWarmStoreDataSource(database.url).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await pool?.end();
    await database?.drop();
  });

  it('reads liquidation history of a symbol in a time range, oldest first, and signals newest first', async () => {
    const liquidations = [0, 1, 2, 3].map((i) =>
      aLiquidation({
        eventId: `e${i}`,
        ts: T0 + i * 1_000,
        recvTs: T0 + i * 1_000 + 5,
        notionalUsd: 1_000 * (i + 1),
      }),
    );
    const eth = aLiquidation({ eventId: 'eth', symbol: 'ETH-USDT', base: 'ETH', ts: T0 + 1_500 });
    await new LiquidationRepository(pool).insert([...liquidations, eth]);
    const query = (symbol: string, start: number, end: number, limit: number) =>
      withPooledClient(pool, (client) =>
        new LiquidationQueryRepository(new PgClientSession(client)).history(symbol, start, end, limit),
      );
    const rows = await query(liquidations[0]!.symbol, T0 + 1_000, T0 + 3_000, 10);
    expect(rows.map((row) => row.eventId)).toEqual(['e1', 'e2', 'e3']);
    const l = liquidations[1]!;
    expect(rows[0]).toEqual({
      ts: l.ts,
      eventId: l.eventId,
      exchange: l.exchange,
      market: l.market,
      symbol: l.symbol,
      base: l.base,
      quote: l.quote,
      venueSymbol: l.venueSymbol,
      positionSide: l.positionSide,
      orderSide: l.orderSide,
      price: l.price,
      priceKind: l.priceKind,
      size: l.size,
      notionalUsd: l.notionalUsd,
      completeness: l.completeness,
      backfill: false,
      recvTs: l.recvTs,
    });
    expect((await query(l.symbol, T0, T0 + 3_000, 2)).map((row) => row.eventId)).toEqual(['e0', 'e1']);

    const signals = [
      aSignal({ signalId: 's1', symbol: 'BTC-USDT', ts: T0 }),
      aSignal({ signalId: 's2', symbol: 'ETH-USDT', ts: T0 + 1 }),
      aSignal({ signalId: 's3', symbol: 'BTC-USDT', ts: T0 + 2 }),
    ];
    await new LiquidationSignalRepository(pool).insert(signals);
    const recent = (symbol: string | null, limit: number) =>
      withPooledClient(pool, (client) =>
        new LiquidationQueryRepository(new PgClientSession(client)).recentSignals(symbol, limit),
      );
    expect(await recent('BTC-USDT', 10)).toEqual([signals[2], signals[0]]);
    expect((await recent(null, 2)).map((s) => s.signalId)).toEqual(['s3', 's2']);
  });

  it('records a decision once: a retry with the same content is existing, with other content a conflict', async () => {
    const repository = new TradingDecisionRepository(dataSource);
    const decision: TradingDecisionRecord = {
      decisionId: 'd-1',
      decidedAt: new Date(T0),
      symbol: 'AAPL',
      action: 'enter',
      side: 'long',
      quantity: 10,
      price: 150.25,
      stopLoss: 145,
      takeProfit: 160,
      confidence: 0.85,
      reasoning: 'breakout on volume',
      model: 'trade-llm-1',
      context: { b: 1, a: { y: [1, 2], x: 'z' } },
      outcome: null,
    };
    const first = await repository.record(decision);
    expect(first.status).toBe('created');
    expect(first.decision).toMatchObject(decision);
    const again = await repository.record({ ...decision, context: { a: { x: 'z', y: [1, 2] }, b: 1 } });
    expect(again).toEqual({ status: 'existing', decision: first.decision });
    const other = await repository.record({ ...decision, reasoning: 'changed my mind' });
    expect(other).toEqual({ status: 'conflict', decision: first.decision });
    await repository.record({ ...decision, decisionId: 'd-2', symbol: 'MSFT', decidedAt: new Date(T0 + 10) });
    expect((await repository.list({ limit: 10 })).map((d) => d.decisionId)).toEqual(['d-2', 'd-1']);
    expect((await repository.list({ symbol: 'AAPL', limit: 10 })).map((d) => d.decisionId)).toEqual(['d-1']);
    expect((await repository.list({ startMs: T0 + 1, limit: 10 })).map((d) => d.decisionId)).toEqual(['d-2']);
    expect((await repository.list({ endMs: T0, limit: 10 })).map((d) => d.decisionId)).toEqual(['d-1']);
  });
});
