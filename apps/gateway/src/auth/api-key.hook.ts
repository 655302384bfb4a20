import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuthenticator, RateLimitedException, type Caller } from './api-key.authenticator';
import type { RateLimitVerdict } from './rate-limiter';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    rateLimit?: RateLimitVerdict;
  }
}

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
 * page are open.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  /** Not async: the authenticator's one promise is handed to Nest as it is (this runs on every request). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (!request.url.startsWith('/api/')) return true;
    const reply = http.getResponse<FastifyReply>();
    const method = request.method;
    return this.authenticator
      .authenticate({
        key: apiKeyOf(request.headers),
        ip: request.ip,
        readOnly: method === 'GET' || method === 'HEAD',
      })
      .then(
        (authenticated) => {
          const verdict = authenticated.verdict;
          const limitPerMinute = authenticated.limitPerMinute;
          request.caller = authenticated.caller;
          request.rateLimit = verdict;
          void reply.header('x-ratelimit-limit', limitPerMinute);
          void reply.header('x-ratelimit-remaining', Math.max(0, limitPerMinute - verdict.minuteCount));
          void reply.header('x-ratelimit-reset', verdict.resetSeconds);
          return true;
        },
        (error: unknown) => {
          if (error instanceof RateLimitedException)
            void reply.header('retry-after', error.retryAfterSeconds);
          throw error;
        },
      );
  }
}
