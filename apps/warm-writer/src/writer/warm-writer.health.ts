import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { HealthRegistry, type RedisClient } from '@mdp/platform';
import { withPooledClient } from '@mdp/data-access-warm-store';
import { WRITER_REDIS } from './writer-redis';

/** Readiness: Redis answers PING and the warm store answers a query. */
@Injectable()
export class WarmWriterHealth implements OnModuleInit {
  constructor(
    private readonly registry: HealthRegistry,
    private readonly pool: Pool,
    @Inject(WRITER_REDIS) private readonly redis: RedisClient,
  ) {}

  onModuleInit(): void {
    this.registry.register('redis', async () => {
      await this.redis.ping();
    });
    this.registry.register('database', async () => {
      const version = await withPooledClient(this.pool, async (client) => (await client.query<{ v: number }>('SELECT max(version) AS v FROM warm_schema_history')).rows[0]?.v);
      return { schemaVersion: version ?? 0, poolTotal: this.pool.totalCount, poolIdle: this.pool.idleCount };
    });
  }
}
