import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The OpenAPI 3 document of every controller, built from their decorators. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Market data platform gateway')
    .setDescription(
      'REST API over the hot store (Redis) and the warm store (TimescaleDB / PostgreSQL): liquidity flow maps (seed 000), ' +
        'liquidations and signals (seed 001), trading state (seed 002), tokens and velocity (seed 003), candles. ' +
        'Every /api route needs an API key in the X-API-Key header (or Authorization: Bearer) unless anonymous access is on. ' +
        'Errors answer {statusCode, error, message}; 429 carries Retry-After; 503 means Redis or the database is unavailable.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, 'api-key')
    .addSecurityRequirements('api-key')
    .build();
  return SwaggerModule.createDocument(app, config);
}
