import { Controller, Get } from '@nestjs/common';
import { IngestionService, type ConnectorCoverage } from './ingestion.service';

/** Coverage of the live connectors: state and connected intervals per venue. */
@Controller('ingestion')
export class CoverageController {
  constructor(private readonly ingestion: IngestionService) {}

  @Get('coverage')
  coverage(): { source: string | null; connectors: ConnectorCoverage[] } {
    return { source: this.ingestion.source?.name ?? null, connectors: this.ingestion.coverage() };
  }
}
