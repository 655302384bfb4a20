import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** seed 003 `api_keys`: only the SHA-256 of a key is stored. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'key_hash', type: 'varchar', length: 255, unique: true })
  keyHash!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  name!: string | null;

  @Column({ type: 'varchar', length: 50, default: 'basic' })
  tier!: string;

  @Column({ name: 'rate_limit_per_minute', type: 'integer', default: 60 })
  rateLimitPerMinute!: number;

  @Column({ name: 'rate_limit_per_month', type: 'integer', default: 1000 })
  rateLimitPerMonth!: number;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'usage_count', type: 'integer', default: 0 })
  usageCount!: number;
}
