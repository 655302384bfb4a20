import { HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@mdp/platform';
import { unavailableBackend } from './backend-error';
import { JSON_TYPE } from './json-type';

/** The body of every error answer: the status, its name, and the reason in words. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Turns every error into a JSON answer with a reason and never a stack trace: HTTP exceptions keep
 * their status; Fastify's own 4xx (malformed JSON, wrong content type, body too large) keep theirs;
 * Redis or the database being unavailable is 503 with Retry-After; anything else is a logged 500.
 */
export class GatewayExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { status, body } = this.describe(exception, request);
    if (reply.sent) return;
    if (status === 503) void reply.header('retry-after', '1');
    void reply.status(status).header('content-type', JSON_TYPE).send(body);
  }

  describe(exception: unknown, request: FastifyRequest): { status: number; body: ErrorBody } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      // A body given whole (readiness: {status, checks}) is sent as it is.
      if (typeof response === 'object' && !('message' in response))
        return { status, body: response as unknown as ErrorBody };
      const message =
        typeof response === 'string'
          ? response
          : ((response as { message?: string | string[] }).message ?? exception.message);
      return { status, body: { statusCode: status, error: STATUS_NAMES[status] ?? 'Error', message } };
    }
    const fastifyStatus = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return {
        status: fastifyStatus,
        body: {
          statusCode: fastifyStatus,
          error: STATUS_NAMES[fastifyStatus] ?? 'Error',
          message: (exception as Error).message,
        },
      };
    }
    const backend = unavailableBackend(exception);
    if (backend) {
      this.logger.warn(
        { backend, method: request.method, url: request.url, error: (exception as Error).message },
        `${backend} unavailable; answered 503`,
      );
      return {
        status: 503,
        body: {
          statusCode: 503,
          error: STATUS_NAMES[503]!,
          message: `${backend} is unavailable, retry shortly`,
        },
      };
    }
    this.logger.error(
      {
        method: request.method,
        url: request.url,
        error: exception instanceof Error ? exception.stack : String(exception),
      },
      'request failed',
    );
    return { status: 500, body: { statusCode: 500, error: STATUS_NAMES[500]!, message: 'internal error' } };
  }
}
