import { Module, type DynamicModule } from '@nestjs/common';
import { HealthModule, type Logger } from '@mdp/platform';
import { CoverageController } from './coverage.controller';
import { IngestionConfig } from './ingestion.config';
import { INGESTION_LOGGER } from './ingestion-logger.token';
import { IngestionService } from './ingestion.service';

@Module({})
export class AppModule {
  static forRoot(config: IngestionConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [HealthModule.forRoot()],
      controllers: [CoverageController],
      providers: [
        { provide: IngestionConfig, useValue: config },
        { provide: INGESTION_LOGGER, useValue: logger },
        IngestionService,
      ],
    };
  }
}
