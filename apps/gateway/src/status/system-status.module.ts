import { Module } from '@nestjs/common';
import { SystemStatusController } from './system-status.controller';
import { SystemStatusService } from './system-status.service';

/** `GET /api/system/status` for the web view's status strip. */
@Module({ controllers: [SystemStatusController], providers: [SystemStatusService] })
export class SystemStatusModule {}
