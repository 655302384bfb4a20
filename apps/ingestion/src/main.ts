import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, NestPinoLogger, createLogger, loadConfig } from '@mdp/platform';
import { AppModule } from './app.module';
import { IngestionConfig } from './ingestion.config';

async function bootstrap(): Promise<void> {
  let config: IngestionConfig;
  try {
    config = loadConfig(IngestionConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger('ingestion').fatal({ problems: error.problems }, 'invalid configuration');
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('ingestion', config.LOG_LEVEL);
  const app = await NestFactory.create(AppModule.forRoot(config, logger), {
    logger: new NestPinoLogger(logger),
  });
  app.enableShutdownHooks();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info({ port: config.HTTP_PORT, source: config.INGESTION_SOURCE }, 'ingestion listening');
}

bootstrap().catch((error: unknown) => {
  createLogger('ingestion').fatal(
    { error: error instanceof Error ? error.stack : String(error) },
    'ingestion failed to start',
  );
  process.exit(1);
});
