import { IsIn, IsString, Matches } from 'class-validator';
import { Describe } from '@mdp/platform';

/** Settings of the migration command. */
export class MigrateConfig {
  @Describe('PostgreSQL / TimescaleDB URL of the warm store to migrate')
  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/mdp';

  @Describe('Directory of the V<n>__*.sql migrations')
  @IsString()
  MIGRATIONS_DIR: string = 'migrations';

  @Describe('auto (TimescaleDB when the extension is available), timescaledb or postgres')
  @IsIn(['auto', 'timescaledb', 'postgres'])
  WARM_STORE_MODE: string = 'auto';

  @Describe('Log level: fatal, error, warn, info, debug or trace')
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL: string = 'info';
}
