import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { WsProtocolController } from './ws-protocol.controller';
import { WsServer } from './ws.server';

/** The WebSocket API for live updates (`GET /ws`) and its protocol document (`GET /api/ws/protocol`). */
@Module({
  imports: [AuthModule],
  controllers: [WsProtocolController],
  providers: [WsServer],
  exports: [WsServer],
})
export class WsModule {}
