import { Controller, Get, HttpException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { GatewayConfig } from '../gateway.config';
import { wsProtocolDocument } from './ws-protocol.doc';

const SUMMARY =
  'WebSocket endpoint for live updates: upgrade with X-API-Key (or ?api_key=), then send ' +
  '{"op":"subscribe","channel":"tokens","tokenId":1}, {"op":"subscribe","channel":"flow","coin":"BTC","timeWindow":"5m"}, ' +
  '{"op":"subscribe","channel":"signals","symbol":"BTC"} ("*" for all), {"op":"subscribe","channel":"liquidations","symbol":"BTC"}, ' +
  '"unsubscribe" with the same fields, or {"op":"ping"}. Updates arrive as {"channel":..., <topic>, "data":...}. ' +
  'The full protocol is GET /api/ws/protocol.';

/** Documents the WebSocket API: the protocol document, and `GET /ws` without an upgrade (426). */
@ApiTags('websocket')
@Controller()
export class WsProtocolController {
  private readonly document: ReturnType<typeof wsProtocolDocument>;

  constructor(config: GatewayConfig) {
    this.document = wsProtocolDocument(config);
  }

  @Get('api/ws/protocol')
  @ApiOperation({ summary: 'The WebSocket protocol (AsyncAPI-style): messages, limits, close codes' })
  @ApiOkResponse({ description: 'The protocol document', schema: { type: 'object' } })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid or revoked API key' })
  protocol(): ReturnType<typeof wsProtocolDocument> {
    return this.document;
  }

  @Get('ws')
  @ApiOperation({ summary: SUMMARY })
  @ApiResponse({ status: 101, description: 'Switching Protocols: the WebSocket is open' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or revoked API key (before the upgrade)' })
  @ApiResponse({ status: 426, description: 'A plain GET without an upgrade' })
  @ApiResponse({ status: 429, description: 'Rate limit reached; Retry-After says when to retry' })
  @ApiResponse({
    status: 503,
    description: 'Redis or the database unavailable, connection limit, or shutting down',
  })
  upgradeRequired(): never {
    throw new HttpException(
      'GET /ws is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket); the protocol is GET /api/ws/protocol',
      426,
    );
  }
}
