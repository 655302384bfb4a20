import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { TradingDecisionEntity } from '../entities/trading-decision.entity';

/** What a caller records (every column but the generated id and created_at). */
export type TradingDecisionRecord = Omit<TradingDecisionEntity, 'id' | 'createdAt'>;

export type RecordedDecision =
  /** Inserted now. */
  | { status: 'created'; decision: TradingDecisionEntity }
  /** The same decision_id was already stored with the same content (a retried write). */
  | { status: 'existing'; decision: TradingDecisionEntity }
  /** The same decision_id was already stored with different content; nothing was changed. */
  | { status: 'conflict'; decision: TradingDecisionEntity };

export interface DecisionFilter {
  symbol?: string;
  /** decided_at >= start (epoch ms). */
  startMs?: number;
  /** decided_at <= end (epoch ms). */
  endMs?: number;
  limit: number;
}

/**
 * The audit of trading-model decisions (seed 002: "store LLM decisions and reasoning"), table
 * `trading_decisions`. Append-only: `decision_id` makes a retried write idempotent.
 */
export class TradingDecisionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the decision unless its decision_id exists; then says whether the stored one has the same content. */
  async record(decision: TradingDecisionRecord): Promise<RecordedDecision> {
    const repository = this.dataSource.getRepository(TradingDecisionEntity);
    const result = await repository
      .createQueryBuilder()
      .insert()
      // jsonb columns are typed as records, which TypeORM's deep-partial type does not accept.
      .values(decision as QueryDeepPartialEntity<TradingDecisionEntity>)
      .orIgnore()
      .returning('id')
      .execute();
    const created = Array.isArray(result.raw) && result.raw.length > 0;
    const stored = await repository.findOneByOrFail({ decisionId: decision.decisionId });
    if (created) return { status: 'created', decision: stored };
    return {
      status: sameDecision(stored, decision) ? 'existing' : 'conflict',
      decision: stored,
    };
  }

  /** Decisions matching the filter, newest first. */
  list(filter: DecisionFilter): Promise<TradingDecisionEntity[]> {
    const query = this.dataSource
      .getRepository(TradingDecisionEntity)
      .createQueryBuilder('d')
      .orderBy('d.decided_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(filter.limit);
    if (filter.symbol !== undefined) query.andWhere('d.symbol = :symbol', { symbol: filter.symbol });
    if (filter.startMs !== undefined)
      query.andWhere('d.decided_at >= :start', { start: new Date(filter.startMs) });
    if (filter.endMs !== undefined) query.andWhere('d.decided_at <= :end', { end: new Date(filter.endMs) });
    return query.getMany();
  }
}

/** Whether a stored decision holds the same content as a record (JSON compared with keys in any order). */
export function sameDecision(stored: TradingDecisionEntity, record: TradingDecisionRecord): boolean {
  return (
    stored.decidedAt.getTime() === record.decidedAt.getTime() &&
    stored.symbol === record.symbol &&
    stored.action === record.action &&
    (stored.side ?? null) === (record.side ?? null) &&
    (stored.quantity ?? null) === (record.quantity ?? null) &&
    (stored.price ?? null) === (record.price ?? null) &&
    (stored.stopLoss ?? null) === (record.stopLoss ?? null) &&
    (stored.takeProfit ?? null) === (record.takeProfit ?? null) &&
    (stored.confidence ?? null) === (record.confidence ?? null) &&
    stored.reasoning === record.reasoning &&
    stored.model === record.model &&
    canonicalJson(stored.context) === canonicalJson(record.context) &&
    canonicalJson(stored.outcome ?? null) === canonicalJson(record.outcome ?? null)
  );
}

/** JSON with object keys sorted (jsonb does not keep the order they were sent in). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}
