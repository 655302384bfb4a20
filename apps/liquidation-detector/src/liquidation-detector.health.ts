import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry, type RedisClient } from '@mdp/platform';
import { LiquidationStream, TradeStream } from '@mdp/schemas';
import { DETECTOR_REDIS } from './detection/detector-redis';
import { DETECTOR_COMPONENTS } from './liquidation-detector.tokens';
import type { DetectorComponents } from './liquidation-detector.components';

/**
 * Readiness: Redis answers; reports storage mode, memory, local buffer, this replica's number,
 * consumer group, the group's lag per stream, the partitions it holds, the live replicas, the
 * events skipped as another replica's and the last checkpoint.
 */
@Injectable()
export class LiquidationDetectorHealth implements OnModuleInit {
  constructor(
    private readonly registry: HealthRegistry,
    @Inject(DETECTOR_REDIS) private readonly redis: RedisClient,
    @Inject(DETECTOR_COMPONENTS) private readonly components: DetectorComponents,
  ) {}

  onModuleInit(): void {
    this.registry.register('redis', async () => {
      await this.redis.ping();
    });
    this.registry.register('storage', () =>
      Promise.resolve({
        mode: this.components.guard.mode,
        memoryPct: this.components.guard.lastReading?.usedPct ?? null,
        bufferedLiquidations: this.components.writer.buffered,
        bufferedSignals: this.components.emitter.buffered,
      }),
    );
    this.registry.register('consumer', async () => {
      const { partitions, detection, coordinator } = this.components;
      const streams: Record<string, { lag: number | null; pending: number }> = {};
      for (const definition of [LiquidationStream, TradeStream]) {
        const groups = (await this.redis.xinfo('GROUPS', definition.stream).catch(() => [])) as unknown[][];
        const group = groups.map(toRecord).find((fields) => fields['name'] === partitions.group);
        if (group)
          streams[definition.stream] = {
            lag: group['lag'] === null ? null : Number(group['lag']),
            pending: Number(group['pending']),
          };
      }
      return {
        group: partitions.group,
        replica: partitions.replica,
        streams,
        /** Per stream, the last entry this replica handled. */
        read: Object.fromEntries(detection.lastSeen),
        partitions: {
          count: partitions.count,
          held: detection.heldPartitions(),
          live: coordinator.live,
          catchingUp: detection.catchingUp !== null,
        },
        otherPartitionEvents: { ...detection.otherPartition },
        checkpoints: {
          written: coordinator.stats.checkpoints,
          failed: coordinator.stats.checkpointFailures,
          last: coordinator.stats.lastCheckpoint,
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
