import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** seed 002 audit of trading-LLM decisions: what was decided, why, and from which context. */
@Entity({ name: 'trading_decisions' })
export class TradingDecisionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'decision_id', type: 'text', unique: true })
  decisionId!: string;

  @Column({ name: 'decided_at', type: 'timestamptz' })
  decidedAt!: Date;

  @Column({ type: 'text' })
  symbol!: string;

  @Column({ type: 'text' })
  action!: 'enter' | 'exit' | 'hold' | 'adjust' | 'skip';

  @Column({ type: 'text', nullable: true })
  side!: 'long' | 'short' | null;

  @Column({ type: 'double precision', nullable: true })
  quantity!: number | null;

  @Column({ type: 'double precision', nullable: true })
  price!: number | null;

  @Column({ name: 'stop_loss', type: 'double precision', nullable: true })
  stopLoss!: number | null;

  @Column({ name: 'take_profit', type: 'double precision', nullable: true })
  takeProfit!: number | null;

  @Column({ type: 'double precision', nullable: true })
  confidence!: number | null;

  @Column({ type: 'text' })
  reasoning!: string;

  @Column({ type: 'text' })
  model!: string;

  @Column({ type: 'jsonb' })
  context!: Record<string, unknown>;

  @Column({ type: 'jsonb', nullable: true })
  outcome!: Record<string, unknown> | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
