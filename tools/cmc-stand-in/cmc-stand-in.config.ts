import { IsIn, IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { Describe } from '@mdp/platform';

/** Settings of the stand-in CoinMarketCap server (`tools/cmc-stand-in/main.ts`). */
export class CmcStandInConfig {
  @Describe('Port the stand-in CoinMarketCap API listens on (the poller default CMC_BASE_URL points here)')
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT: number = 4100;

  @Describe('Host the stand-in binds to')
  @IsString()
  HTTP_HOST: string = '127.0.0.1';

  @Describe('The API key the stand-in accepts in X-CMC_PRO_API_KEY (the poller default CMC_API_KEY)')
  @IsString()
  @MinLength(1)
  CMC_STAND_IN_API_KEY: string = 'stand-in-key';

  @Describe('How many tokens the stand-in lists')
  @IsInt()
  @Min(1)
  @Max(20_000)
  CMC_STAND_IN_TOKENS: number = 500;

  @Describe('Seed of the stand-in market (same seed, same tokens)')
  @IsInt()
  CMC_STAND_IN_SEED: number = 7;

  @Describe('Log level: fatal, error, warn, info, debug or trace')
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL: string = 'info';
}
