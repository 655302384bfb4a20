import path from 'node:path';
import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '@mdp/platform';
import { GatewayConfig } from '../gateway.config';
import { LOGGER } from '../gateway.dependencies';
import { readWebViewFile } from './web-view.files';

/** Where the page is served; `/` redirects here. */
export const WEB_VIEW_PATH = '/app/';

/**
 * Serves the web view (apps/web, built by `nx build web` into WEB_VIEW_DIR) as static files:
 * `/app/` is its index.html and `/app/<file>` its bundle. Open like /openapi.json: the page itself
 * holds no data; its API calls carry the key (or use the anonymous allowance).
 */
@Injectable()
class WebViewRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const dir = path.resolve(this.config.WEB_VIEW_DIR);
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const send = async (reply: FastifyReply, name: string): Promise<void> => {
      const file = await readWebViewFile(dir, name);
      if (file === null) {
        const message =
          name === 'index.html'
            ? `the web view is not built in ${dir}: run npx nx build web`
            : `no file ${name} in the web view`;
        await reply.status(404).send({ statusCode: 404, error: 'Not Found', message });
        return;
      }
      await reply
        .header('cache-control', name === 'index.html' ? 'no-cache' : 'public, max-age=60')
        .header('x-content-type-options', 'nosniff')
        .type(file.type)
        .send(file.body);
    };
    fastify.get('/', (_request, reply) => {
      void reply.redirect(WEB_VIEW_PATH, 302);
    });
    fastify.get(WEB_VIEW_PATH.slice(0, -1), (_request, reply) => {
      void reply.redirect(WEB_VIEW_PATH, 301);
    });
    fastify.get(WEB_VIEW_PATH, (_request, reply) => send(reply, 'index.html'));
    fastify.get<{ Params: { name: string } }>(`${WEB_VIEW_PATH}:name`, (request, reply) =>
      send(reply, request.params.name),
    );
    this.logger.debug({ dir, path: WEB_VIEW_PATH }, 'web view served');
  }
}

@Module({ providers: [WebViewRoutes] })
export class WebViewModule {}
