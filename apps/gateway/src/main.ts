// First, before the modules below fill the heap: the gateway's V8 flags (gc-flags.ts).
import './gc-flags';
import 'reflect-metadata';
import { ConfigError, createLogger, loadConfig } from '@mdp/platform';
import { GatewayConfig } from './gateway.config';
import { createGatewayApp } from './gateway.app';
import { closeGatewayConnections, openGatewayConnections } from './gateway.connections';

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig(GatewayConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger('gateway').fatal({ problems: error.problems }, 'invalid configuration');
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const deps = await openGatewayConnections(config, logger);
  const app = await createGatewayApp(deps);
  // On SIGTERM/SIGINT: stop accepting, let the modules finish (usage flush, WebSocket close), then
  // close the connections they used.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway stopping');
    void app
      .close()
      .then(() => closeGatewayConnections(deps))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ error: error instanceof Error ? error.stack : String(error) }, 'unclean stop');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info(
    {
      port: config.HTTP_PORT,
      openapi: config.OPENAPI_PATH,
      readReplica: config.DATABASE_READ_URL !== '',
      anonymousPerMinute: config.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
    },
    'gateway started',
  );
}

main().catch((error: unknown) => {
  createLogger('gateway').fatal(
    { error: error instanceof Error ? error.stack : String(error) },
    'gateway failed to start',
  );
  process.exit(1);
});
