import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { ApiKeyAuthenticator, RateLimitedException, type Caller } from './api-key.authenticator';
import { integerText } from '../http/integer-text';
import type { RateLimitVerdict } from './rate-limiter';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    rateLimit?: RateLimitVerdict;
  }
}

/** The routes whose requests need a key (or the anonymous allowance): every route under `/api/`. */
const GUARDED_PREFIX = '/api/';

/** Extracts the key of an HTTP request: `X-API-Key: <key>` or `Authorization: Bearer <key>`. */
export function apiKeyOf(headers: FastifyRequest['headers']): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string') return header;
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization))
    return authorization.slice(7).trim();
  return undefined;
}

/**
 * Guards every `/api/` route: identifies the caller and applies its rate limits, adding the
 * X-RateLimit-* headers, and Retry-After on a 429. Health, metrics, the OpenAPI document and the web
 * page are open, and so is a path no route matches (a 404 costs no rate-limit round trip).
 *
 * A Fastify preHandler hook of each `/api/` route (after the body is parsed, before Nest's handler),
 * not a Nest guard: a guard costs every request Nest's execution context and its async guard
 * consumers (measured, docs/gateway.md). A refusal is passed to Fastify's error handler, which is
 * Nest's exception layer, so it is answered by the gateway's exception filter like any other error.
 */
export class ApiKeyHook {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  /**
   * Adds the check to every `/api/` route added after this call (Nest adds its routes in
   * `app.init()`), HEAD routes included, ahead of the route's own preHandler hooks.
   */
  register(fastify: FastifyInstance): void {
    const check = this.check;
    fastify.addHook('onRoute', (route) => {
      if (!route.url.startsWith(GUARDED_PREFIX)) return;
      const hooks = route.preHandler;
      route.preHandler =
        hooks === undefined ? [check] : Array.isArray(hooks) ? [check, ...hooks] : [check, hooks];
    });
  }

  /** No promise: the authenticator calls back (this runs on every request). */
  private readonly check: preHandlerHookHandler = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: (error?: Error) => void,
  ) => {
    const method = request.method;
    this.authenticator.check(
      apiKeyOf(request.headers),
      request.ip,
      method === 'GET' || method === 'HEAD',
      (error, authenticated) => {
        if (authenticated === undefined) {
          if (error instanceof RateLimitedException)
            void reply.header('retry-after', error.retryAfterSeconds);
          return done(error);
        }
        const verdict = authenticated.verdict;
        const limitPerMinute = authenticated.limitPerMinute;
        request.caller = authenticated.caller;
        request.rateLimit = verdict;
        void reply.header('x-ratelimit-limit', limitPerMinute);
        // A new number on every request: written without V8's number-string cache (integer-text.ts).
        void reply.header(
          'x-ratelimit-remaining',
          integerText(Math.max(0, limitPerMinute - verdict.minuteCount)),
        );
        void reply.header('x-ratelimit-reset', verdict.resetSeconds);
        done();
      },
    );
  };
}
