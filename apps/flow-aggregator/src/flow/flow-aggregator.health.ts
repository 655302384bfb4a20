import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry, type RedisClient } from '@mdp/platform';
import { LiquidationStream, TradeStream } from '@mdp/schemas';
import { FlowAggregationService } from './flow-aggregation.service';
import { FLOW_TOKENS } from './flow-aggregator.tokens';

/**
 * Readiness: Redis answers PING; the replica, its group's lag per stream, the partitions held, the
 * live replicas, the open windows, the late events and the checkpoints are reported.
 */
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
      const { partitions, coordinator } = this.aggregation;
      const group = partitions.group;
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
        replica: partitions.replica,
        group,
        streams,
        /** The last entry handled per stream (this replica's read position). */
        read: Object.fromEntries(this.aggregation.lastSeen),
        partitions: {
          count: partitions.count,
          held: this.aggregation.heldPartitions(),
          live: coordinator.live,
          catchingUp: this.aggregation.catchingUp !== null,
        },
        otherPartitionEvents: { ...this.aggregation.otherPartition },
        openWindows: this.aggregation.openWindows().length,
        lateDropped: this.aggregation.lateDropped(),
        lateCandleTrades: this.aggregation.lateCandleTrades(),
        /** Partition checkpoints: written, failed, the last one's partitions, bytes and ms (capture + encode, store). */
        checkpoints: {
          written: coordinator.stats.checkpoints,
          failed: coordinator.stats.checkpointFailures,
          last: coordinator.stats.lastCheckpoint,
        },
        handover: {
          acquired: coordinator.stats.acquired,
          released: coordinator.stats.released,
          lost: coordinator.stats.lost,
          caughtUpEntries: coordinator.stats.caughtUpEntries,
        },
      };
    });
  }
}

function toRecord(fields: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[String(fields[i])] = fields[i + 1];
  return record;
}
