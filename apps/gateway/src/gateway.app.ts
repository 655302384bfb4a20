import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestPinoLogger } from '@mdp/platform';
import { AppModule } from './app.module';
import { ApiKeyHook } from './auth/api-key.hook';
import type { GatewayDependencies } from './gateway.dependencies';
import { GatewayExceptionFilter } from './http/gateway-exception.filter';
import { registerHotRoutes } from './http/hot-route';
import { registerHttpMetrics } from './http/http-metrics';
import { MemoValidationPipe } from './http/memo-validation.pipe';
import { buildOpenApiDocument } from './http/openapi';

/**
 * Builds the gateway application on Fastify (main.ts and the tests use this one function): the
 * modules, the API key check of every `/api/` route (ApiKeyHook), the error filter, validation of
 * every DTO (unknown fields refused; valid query strings and path parameters remembered,
 * MemoValidationPipe), the dispatch of the `@HotRoute()` handlers, request metrics and the OpenAPI
 * document at OPENAPI_PATH. The caller listens and closes.
 */
export async function createGatewayApp(deps: GatewayDependencies): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    trustProxy: deps.config.TRUST_PROXY,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    // No Nest middleware in the gateway: without @fastify/middie no request walks an empty middleware list.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(deps), adapter, {
    logger: new NestPinoLogger(deps.logger),
  });
  app.useGlobalFilters(new GatewayExceptionFilter(deps.logger));
  const validation = new MemoValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: false,
  });
  app.useGlobalPipes(validation);
  const fastify = app.getHttpAdapter().getInstance();
  registerHttpMetrics(fastify);
  registerHotRoutes(fastify, app, validation);
  const document = buildOpenApiDocument(app);
  fastify.get(deps.config.OPENAPI_PATH, (_request, reply) => {
    void reply.send(document);
  });
  // After the OpenAPI route (always open, wherever OPENAPI_PATH puts it), before Nest's routes.
  app.get(ApiKeyHook).register(fastify);
  await app.init();
  return app;
}
