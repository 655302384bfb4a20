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

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (!request.url.startsWith('/api/')) return true;
    const reply = http.getResponse<FastifyReply>();
    try {
      const { caller, verdict, limitPerMinute } = await this.authenticator.authenticate({
        key: apiKeyOf(request.headers),
        ip: request.ip,
        readOnly: request.method === 'GET' || request.method === 'HEAD',
      });
      request.caller = caller;
      request.rateLimit = verdict;
      void reply.header('x-ratelimit-limit', limitPerMinute);
      void reply.header('x-ratelimit-remaining', Math.max(0, limitPerMinute - verdict.minuteCount));
      void reply.header('x-ratelimit-reset', verdict.resetSeconds);
      return true;
    } catch (error) {
      if (error instanceof RateLimitedException) void reply.header('retry-after', error.retryAfterSeconds);
      throw error;
    }
  }
}
