import {
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  ServiceUnavailableException,
  type DynamicModule,
  Res,
} from '@nestjs/common';
import { collectDefaultMetrics, register as metricsRegistry } from 'prom-client';

export type HealthCheck = () => Promise<Record<string, unknown> | void>;

/** Readiness checks registered by the parts of a service (Redis, database, consumer lag). */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async run(timeoutMs = 2_000): Promise<{ ok: boolean; checks: Record<string, unknown> }> {
    const results: Record<string, unknown> = {};
    let ok = true;
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          const detail = await Promise.race([
            check(),
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
            ),
          ]);
          results[name] = { status: 'up', ...(detail ?? {}) };
        } catch (error) {
          ok = false;
          results[name] = {
            status: 'down',
            error:
              typeof (error as { message?: unknown })?.message === 'string'
                ? (error as Error).message
                : String(error),
          };
        }
      }),
    );
    return { ok, checks: results };
  }
}

@Controller()
class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  /** Liveness: the process answers. */
  @Get('health/live')
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  /** Readiness: every registered check passes (503 with the failing checks otherwise). */
  @Get('health/ready')
  @HttpCode(200)
  async ready(): Promise<{ status: 'up'; checks: Record<string, unknown> }> {
    const result = await this.registry.run();
    if (!result.ok) throw new ServiceUnavailableException({ status: 'down', checks: result.checks });
    return { status: 'up', checks: result.checks };
  }

  /** Prometheus metrics of this process. */
  @Get('metrics')
  async metrics(@Res() response: { type(value: string): { send(body: string): void } }): Promise<void> {
    response.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  }
}

let defaultMetricsStarted = false;

/** `/health/live`, `/health/ready` and `/metrics` for a service. */
@Module({})
export class HealthModule {
  static forRoot(): DynamicModule {
    if (!defaultMetricsStarted) {
      collectDefaultMetrics();
      defaultMetricsStarted = true;
    }
    return {
      module: HealthModule,
      global: true,
      controllers: [HealthController],
      providers: [HealthRegistry],
      exports: [HealthRegistry],
    };
  }
}
