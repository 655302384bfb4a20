import { Column, Entity, PrimaryColumn } from 'typeorm';

/** seed 003 `tokens` (mapped for the services that read and write tokens; the schema is the migrations'). */
@Entity({ name: 'tokens' })
export class TokenEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'cmc_id', type: 'integer', unique: true })
  cmcId!: number;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'varchar', length: 50 })
  symbol!: string;

  @Column({ type: 'varchar', length: 255 })
  slug!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'logo_url', type: 'varchar', length: 500, nullable: true })
  logoUrl!: string | null;

  @Column({ name: 'website_url', type: 'varchar', length: 500, nullable: true })
  websiteUrl!: string | null;

  @Column({ name: 'twitter_handle', type: 'varchar', length: 100, nullable: true })
  twitterHandle!: string | null;

  @Column({ name: 'reddit_url', type: 'varchar', length: 500, nullable: true })
  redditUrl!: string | null;

  @Column({ name: 'github_url', type: 'varchar', length: 500, nullable: true })
  githubUrl!: string | null;

  @Column({ name: 'whitepaper_url', type: 'varchar', length: 500, nullable: true })
  whitepaperUrl!: string | null;

  @Column({ name: 'date_added', type: 'timestamptz', nullable: true })
  dateAdded!: Date | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
