import { IsBoolean, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { Describe } from '@mdp/platform';
import { StreamConsumerConfig } from '@mdp/transport';
import { BULK_METHODS, WARM_STORE_MODES, type BulkMethod } from '@mdp/data-access-warm-store';

/**
 * Settings of the hot-to-warm writer. Types are written out: the loader converts numbers and booleans
 * by the declared type, which SWC (tests, `serve`) only records from an explicit annotation.
 */
export class WarmWriterConfig extends StreamConsumerConfig {
  @Describe('PostgreSQL / TimescaleDB URL of the warm store: postgres://user[:password]@host:port/database')
  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/mdp';

  @Describe('Most connections the writer opens to the warm store')
  @IsInt()
  @Min(1)
  @Max(64)
  DATABASE_POOL_SIZE: number = 4;

  @Describe('How long (ms) opening a warm-store connection may take before it counts as an outage')
  @IsInt()
  @Min(100)
  DATABASE_CONNECT_TIMEOUT_MS: number = 5_000;

  @Describe(
    'How batches are written: copy (COPY into the table; a batch holding an already stored row is redone as staged-copy), staged-copy (COPY into a temp table, then INSERT ... ON CONFLICT) or unnest (INSERT ... SELECT FROM unnest ... ON CONFLICT)',
  )
  @IsIn(BULK_METHODS)
  WARM_BULK_METHOD: BulkMethod = 'copy';

  @Describe(
    'Most connections one large batch is written over at once (slices of at least 2,000 rows); at most DATABASE_POOL_SIZE',
  )
  @IsInt()
  @Min(1)
  @Max(16)
  WARM_WRITE_PARALLELISM: number = 2;

  @Describe(
    'Stream consumers in this process (each reads on its own while the others write; all in group warm-writer)',
  )
  @IsInt()
  @Min(1)
  @Max(8)
  WARM_CONSUMERS: number = 2;

  @Describe(
    "Least time (ms, by the notices' writtenAt) between two stored versions of a still open flow window; notices in between are acknowledged without a write (the final snapshot is always stored; 0 stores every notice)",
  )
  @IsInt()
  @Min(0)
  WARM_FLOW_OPEN_INTERVAL_MS: number = 15_000;

  @Describe(
    'Plain-PostgreSQL mode: how often (ms) partitions are maintained and candle views refreshed; 0 turns it off',
  )
  @IsInt()
  @Min(0)
  WARM_MAINTENANCE_INTERVAL_MS: number = 60_000;

  @Describe('Apply pending migrations (MIGRATIONS_DIR) at startup before consuming')
  @IsBoolean()
  WARM_MIGRATE_ON_START: boolean = false;

  @Describe('Directory of the V<n>__*.sql migrations, used when WARM_MIGRATE_ON_START is true')
  @IsString()
  MIGRATIONS_DIR: string = 'migrations';

  @Describe(
    'Warm store mode for migrations: auto (TimescaleDB when the extension is available), timescaledb or postgres',
  )
  @IsIn(['auto', ...WARM_STORE_MODES])
  WARM_STORE_MODE: string = 'auto';
}
