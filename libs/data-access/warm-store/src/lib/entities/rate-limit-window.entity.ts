import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** seed 003 `rate_limiting`: requests of one API key in one window (unique per key and window start). */
@Entity({ name: 'rate_limiting' })
export class RateLimitWindowEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'api_key_id', type: 'integer' })
  apiKeyId!: number;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ name: 'request_count', type: 'integer', default: 0 })
  requestCount!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
