import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { Describe } from './config';

/** Settings every service has. Each app's config class extends this. */
export class ServiceConfig {
  @Describe(
    'Redis URL: redis://[:password@]host:port[/db], rediss:// for TLS, or redis-cluster://host:port,host:port',
  )
  @Matches(/^(redis|rediss|redis-cluster):\/\/.+/, {
    message: '$property must be a redis://, rediss:// or redis-cluster:// URL',
  })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Describe('Log level: fatal, error, warn, info, debug or trace')
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL = 'info';

  @Describe('Port of the HTTP server (health, metrics, and the API on the gateway)')
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT = 3000;

  @Describe('Host the HTTP server binds to')
  @IsString()
  HTTP_HOST = '0.0.0.0';
}
