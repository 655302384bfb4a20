import type { ArgumentMetadata, INestApplicationContext, Type } from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  PARAMTYPES_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ApplicationConfig } from '@nestjs/core';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { MemoValidationPipe } from './memo-validation.pipe';

/** The key of a hot route's Fastify route config: which controller method it is. */
const HOT_ROUTE = 'hotRoute';

interface HotRouteTarget {
  controller: Type<unknown>;
  method: string;
}

/** What Nest would add to a route between Fastify and the handler; a hot route must use none of it. */
const ENHANCERS = [
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
  EXCEPTION_FILTERS_METADATA,
  HTTP_CODE_METADATA,
  HEADERS_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  SSE_METADATA,
];

/**
 * Marks a controller's GET handler `(@Query() query: SomeDto, @Res() reply)` as a hot route: Nest
 * still declares it (path, OpenAPI document, the one handler), but its requests are dispatched by
 * Fastify straight to the handler, with the query validated by the same MemoValidationPipe, instead
 * of through Nest's per-request pipeline (execution context, pipe and response consumers, a dozen
 * promises: on this Node build each promise reaction costs 0.2-0.4 µs, so that pipeline was a fifth
 * of a request's CPU on the two hottest routes, docs/gateway.md). Errors take the same way as every
 * other route's: Fastify's error handler, which is Nest's exception layer and the gateway's filter.
 * `registerHotRoutes` refuses at start a handler with anything else Nest would apply to it (guards,
 * interceptors, pipes, filters of its own or global ones, status or header decorators).
 */
export function HotRoute(): MethodDecorator {
  return (target, key, descriptor) => {
    const hot: HotRouteTarget = { controller: target.constructor as Type<unknown>, method: String(key) };
    RouteConfig({ [HOT_ROUTE]: hot })(target, key, descriptor);
  };
}

type Handler = (this: unknown, a: unknown, b: unknown) => unknown;

/**
 * Dispatches the `@HotRoute()` handlers of the routes added after this call (Nest adds its routes in
 * `app.init()`); `pipe` must be the application's global validation pipe. Throws, naming the
 * handler, when a hot route's handler is not of the supported form.
 */
export function registerHotRoutes(
  fastify: FastifyInstance,
  app: INestApplicationContext,
  pipe: MemoValidationPipe,
): void {
  fastify.addHook('onRoute', (route) => {
    const target = (route.config as Record<string, unknown> | undefined)?.[HOT_ROUTE] as
      HotRouteTarget | undefined;
    if (target === undefined) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((method) => method !== 'GET' && method !== 'HEAD') || route.url.includes(':'))
      throw new Error(`${describe(target)}: a hot route is a GET route without path parameters`);
    refuseGlobalEnhancers(target, app.get(ApplicationConfig, { strict: false }), pipe);
    route.handler = hotHandler(app.get(target.controller, { strict: false }), target, pipe);
  });
}

/** Global guards and interceptors would be skipped, and so would global pipes other than `pipe`. */
function refuseGlobalEnhancers(
  target: HotRouteTarget,
  config: ApplicationConfig,
  pipe: MemoValidationPipe,
): void {
  const pipes = config.getGlobalPipes();
  if (
    config.getGlobalGuards().length + config.getGlobalRequestGuards().length > 0 ||
    config.getGlobalInterceptors().length + config.getGlobalRequestInterceptors().length > 0 ||
    config.getGlobalRequestPipes().length > 0 ||
    pipes.length !== 1 ||
    pipes[0] !== pipe
  )
    throw new Error(
      `${describe(target)}: the application has global guards, interceptors or pipes (other than the validation pipe) a hot route would skip`,
    );
}

function describe(target: HotRouteTarget): string {
  return `@HotRoute() ${target.controller.name}.${target.method}`;
}

function hotHandler(instance: unknown, target: HotRouteTarget, pipe: MemoValidationPipe): RouteHandlerMethod {
  const handler = (instance as Record<string, Handler>)[target.method]!;
  const { queryIndex, metatype } = signatureOf(target, handler);
  const metadata: ArgumentMetadata = { type: 'query', metatype, data: undefined };
  const call =
    queryIndex === 0
      ? (query: unknown, reply: FastifyReply) => handler.call(instance, query, reply)
      : (query: unknown, reply: FastifyReply) => handler.call(instance, reply, query);
  // Not async: a remembered query costs no promise (nor a key: it is remembered by the raw URL);
  // the handler's own promise (a miss) goes to Fastify.
  return function (request: FastifyRequest, reply: FastifyReply) {
    const url = request.url;
    const known = pipe.rememberedQuery(url, metadata);
    if (known !== undefined) return call(known, reply);
    return pipe.transformQuery(request.query, url, metadata).then((query) => call(query, reply));
  };
}

/** Where the `@Query()` DTO is among the handler's two parameters (the other is `@Res()`), and its class. */
function signatureOf(
  target: HotRouteTarget,
  handler: Handler,
): { queryIndex: number; metatype: Type<unknown> } {
  const refuse = (why: string) => new Error(`${describe(target)}: ${why}`);
  for (const key of ENHANCERS)
    if (
      Reflect.getMetadata(key, handler) !== undefined ||
      Reflect.getMetadata(key, target.controller) !== undefined
    )
      throw refuse(`Nest's ${key} would not be applied to a hot route`);
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, target.controller, target.method) ?? {}) as Record<
    string,
    { index: number; data?: unknown; pipes?: unknown[] }
  >;
  let queryIndex = -1;
  let replyIndex = -1;
  for (const [key, arg] of Object.entries(args)) {
    // Nest keys a parameter `<RouteParamtypes>:<index>`.
    const type = key.split(':')[0];
    if (type === String(RouteParamtypes.QUERY) && arg.data === undefined && (arg.pipes ?? []).length === 0)
      queryIndex = arg.index;
    else if (type === String(RouteParamtypes.RESPONSE)) replyIndex = arg.index;
    else throw refuse('its parameters must be exactly @Query() (a whole DTO, no pipes) and @Res()');
  }
  if (queryIndex < 0 || replyIndex < 0 || handler.length !== 2)
    throw refuse('its parameters must be exactly @Query() (a whole DTO, no pipes) and @Res()');
  const metatype = (
    Reflect.getMetadata(PARAMTYPES_METADATA, target.controller.prototype as object, target.method) as
      Array<Type<unknown>> | undefined
  )?.[queryIndex];
  if (typeof metatype !== 'function' || metatype === Object)
    throw refuse('its @Query() parameter must be typed with a DTO class');
  return { queryIndex, metatype };
}
