import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * seed 003 `token_metrics`: a time-series table (hypertable / monthly partitions) keyed by
 * (token_id, timestamp). Decimals are strings, as PostgreSQL returns them, so no precision is lost.
 */
@Entity({ name: 'token_metrics' })
export class TokenMetricEntity {
  @PrimaryColumn({ name: 'token_id', type: 'integer' })
  tokenId!: number;

  @PrimaryColumn({ name: 'timestamp', type: 'timestamptz' })
  timestamp!: Date;

  /** Filled by the database from token_metrics_id_seq (the seed's AUTOINCREMENT id). */
  @Column({
    type: 'bigint',
    insert: false,
    update: false,
    default: () => "nextval('token_metrics_id_seq'::regclass)",
  })
  id!: string;

  @Column({ name: 'price_usd', type: 'decimal', precision: 20, scale: 8, nullable: true })
  priceUsd!: string | null;

  @Column({ name: 'market_cap_usd', type: 'decimal', precision: 20, scale: 2, nullable: true })
  marketCapUsd!: string | null;

  @Column({ name: 'volume_24h_usd', type: 'decimal', precision: 20, scale: 2, nullable: true })
  volume24hUsd!: string | null;

  @Column({ name: 'circulating_supply', type: 'decimal', precision: 20, scale: 8, nullable: true })
  circulatingSupply!: string | null;

  @Column({ name: 'total_supply', type: 'decimal', precision: 20, scale: 8, nullable: true })
  totalSupply!: string | null;

  @Column({ name: 'max_supply', type: 'decimal', precision: 20, scale: 8, nullable: true })
  maxSupply!: string | null;

  @Column({ name: 'percent_change_1h', type: 'decimal', precision: 10, scale: 4, nullable: true })
  percentChange1h!: string | null;

  @Column({ name: 'percent_change_24h', type: 'decimal', precision: 10, scale: 4, nullable: true })
  percentChange24h!: string | null;

  @Column({ name: 'percent_change_7d', type: 'decimal', precision: 10, scale: 4, nullable: true })
  percentChange7d!: string | null;

  @Column({ type: 'decimal', precision: 10, scale: 8, nullable: true })
  velocity!: string | null;

  @Column({ name: 'velocity_1h', type: 'decimal', precision: 10, scale: 8, nullable: true })
  velocity1h!: string | null;

  @Column({ name: 'velocity_4h', type: 'decimal', precision: 10, scale: 8, nullable: true })
  velocity4h!: string | null;

  @Column({ name: 'velocity_12h', type: 'decimal', precision: 10, scale: 8, nullable: true })
  velocity12h!: string | null;

  @Column({ name: 'velocity_7d', type: 'decimal', precision: 10, scale: 8, nullable: true })
  velocity7d!: string | null;

  @Column({ name: 'data_quality_score', type: 'decimal', precision: 3, scale: 2, nullable: true })
  dataQualityScore!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false, default: () => 'now()' })
  createdAt!: Date;
}
