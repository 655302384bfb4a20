import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry, type RedisClient } from '@mdp/platform';
import { LiquidationStream, TradeStream } from '@mdp/schemas';
import { FlowAggregationService } from './flow-aggregation.service';
import { FLOW_TOKENS } from './flow-aggregator.tokens';

/** Readiness: Redis answers PING; the group's lag per stream, the open windows, the late events and the last checkpoint are reported. */
@Injectable()
export class FlowAggregatorHealth implements OnModuleInit {
  constructor(
    private readonly registry: HealthRegistry,
    private readonly aggregation: FlowAggregationService,
    @Inject(FLOW_TOKENS.redis) private readonly redis: RedisClient,
  ) {}

  onModuleInit(): void {
    this.registry.register('redis', async () => {
      await this.redis.ping();
    });
    this.registry.register('consumer', async () => {
      const group = this.aggregation.settings.group;
      const streams: Record<string, { lag: number | null; pending: number }> = {};
      for (const definition of [TradeStream, LiquidationStream]) {
        const groups = (await this.redis.xinfo('GROUPS', definition.stream).catch(() => [])) as unknown[][];
        const info = groups.map(toRecord).find((fields) => fields['name'] === group);
        if (info)
          streams[definition.stream] = {
            lag: info['lag'] === null ? null : Number(info['lag']),
            pending: Number(info['pending']),
          };
      }
      return {
        group,
        streams,
        openWindows: this.aggregation.flow.openWindows().length,
        lateDropped: this.aggregation.flow.lateDropped,
        lateCandleTrades: this.aggregation.candles.lateDropped,
        /** The last state checkpoint written: bytes, encode and SET time (ms); null before the first. */
        checkpoint: this.aggregation.lastCheckpoint,
      };
    });
  }
}

function toRecord(fields: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[String(fields[i])] = fields[i + 1];
  return record;
}
