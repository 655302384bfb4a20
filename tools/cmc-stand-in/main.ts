/**
 * The stand-in CoinMarketCap API, so the velocity poller runs offline:
 *   node -r @swc-node/register tools/cmc-stand-in/main.ts
 * (started by `npm start` before the poller). Settings: see CmcStandInConfig.
 */
import 'reflect-metadata';
import { ConfigError, createLogger, loadConfig } from '@mdp/platform';
import { CmcStandInConfig } from './cmc-stand-in.config';
import { CmcStandInServer } from './cmc-stand-in.server';

async function main(): Promise<void> {
  let config: CmcStandInConfig;
  try {
    config = loadConfig(CmcStandInConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger('cmc-stand-in').fatal({ problems: error.problems }, 'invalid configuration');
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('cmc-stand-in', config.LOG_LEVEL);
  const server = new CmcStandInServer({
    apiKey: config.CMC_STAND_IN_API_KEY,
    tokens: config.CMC_STAND_IN_TOKENS,
    seed: config.CMC_STAND_IN_SEED,
  });
  const port = await server.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info(
    { port, tokens: config.CMC_STAND_IN_TOKENS },
    `stand-in CoinMarketCap API on http://${config.HTTP_HOST}:${port}/v1/cryptocurrency/listings/latest`,
  );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  createLogger('cmc-stand-in').fatal(
    { error: error instanceof Error ? error.stack : String(error) },
    'stand-in failed',
  );
  process.exit(1);
});
