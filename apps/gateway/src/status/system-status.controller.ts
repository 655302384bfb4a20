import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SystemStatusService, type SystemStatus } from './system-status.service';

/** The web view's status strip: services' readiness, consumer lag, Redis memory, storage mode. */
@ApiTags('system')
@Controller('api/system')
export class SystemStatusController {
  constructor(private readonly status: SystemStatusService) {}

  @Get('status')
  @ApiOperation({
    summary:
      "Each service's readiness, every stream's consumer-group lag, Redis memory and the detector's storage mode",
    description:
      'services: GET <url>/health/ready of each STATUS_SERVICE_URLS entry (up on 200, degraded on another status, down on no answer); ' +
      'streams: XLEN and XINFO GROUPS (lag, pending, consumers) of every stream; redis: INFO memory; ' +
      'storage: the liquidation detector storage mode (null when it is not running).',
  })
  @ApiOkResponse({ description: 'SystemStatus' })
  read(): Promise<SystemStatus> {
    return this.status.status();
  }
}
