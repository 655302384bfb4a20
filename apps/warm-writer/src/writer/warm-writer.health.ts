import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { HealthRegistry, type RedisClient } from '@mdp/platform';
import { withPooledClient } from '@mdp/data-access-warm-store';
import { CandleStream, FlowSnapshotStream, LiquidationSignalStream, LiquidationStream } from '@mdp/schemas';
import { WRITER_REDIS } from './writer-redis';

/**
 * Readiness: Redis answers PING and the warm store answers a query. The consumer group's lag and
 * pending count per stream are reported alongside (a writer catching up is still ready).
 */
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
      const version = await withPooledClient(
        this.pool,
        async (client) =>
          (await client.query<{ v: number }>('SELECT max(version) AS v FROM warm_schema_history')).rows[0]?.v,
      );
      return { schemaVersion: version ?? 0, poolTotal: this.pool.totalCount, poolIdle: this.pool.idleCount };
    });
    this.registry.register('consumer', async () => {
      const streams: Record<string, { lag: number | null; pending: number }> = {};
      for (const definition of [
        CandleStream,
        LiquidationStream,
        LiquidationSignalStream,
        FlowSnapshotStream,
      ]) {
        const groups = (await this.redis.xinfo('GROUPS', definition.stream).catch(() => [])) as unknown[][];
        const group = groups.map(toRecord).find((fields) => fields['name'] === 'warm-writer');
        if (group)
          streams[definition.stream] = {
            lag: group['lag'] === null ? null : Number(group['lag']),
            pending: Number(group['pending']),
          };
      }
      return { group: 'warm-writer', streams };
    });
  }
}

function toRecord(fields: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[String(fields[i])] = fields[i + 1];
  return record;
}
