import { Inject, Injectable } from '@nestjs/common';
import {
  CandleStream,
  FlowSnapshotStream,
  GapStream,
  LiquidationSignalStream,
  LiquidationStream,
  TickStream,
  TokenUpdateStream,
  TradeStream,
} from '@mdp/schemas';
import { DetectorStateRepository, type RedisMemoryReading } from '@mdp/data-access-liquidation';
import type { RedisClient } from '@mdp/platform';
import { GatewayConfig } from '../gateway.config';
import { REDIS } from '../gateway.dependencies';
import { parseServiceUrls, type ServiceUrl } from './service-urls';

/** Every stream of the messaging contract (libs/schemas), in the README's order. */
export const STATUS_STREAMS = [
  TradeStream,
  LiquidationStream,
  TickStream,
  GapStream,
  CandleStream,
  LiquidationSignalStream,
  FlowSnapshotStream,
  TokenUpdateStream,
].map((definition) => definition.stream);

export interface ServiceHealth {
  name: string;
  /** The readiness URL asked. */
  url: string;
  /** `up`: /health/ready answered 200; `degraded`: it answered another status; `down`: no answer. */
  state: 'up' | 'degraded' | 'down';
  /** HTTP status of the answer, null when none came. */
  httpStatus: number | null;
  /** The failing checks named by a 503 answer, or the connection error. */
  detail: string | null;
}

export interface ConsumerGroupLag {
  group: string;
  /** Entries not yet delivered to the group (XINFO GROUPS `lag`); null when Redis cannot tell. */
  lag: number | null;
  /** Delivered but not acknowledged. */
  pending: number;
  consumers: number;
}

export interface StreamStatus {
  stream: string;
  /** XLEN; 0 when the stream does not exist yet. */
  length: number;
  groups: ConsumerGroupLag[];
}

export interface SystemStatus {
  /** When this was read, epoch ms. */
  at: number;
  services: ServiceHealth[];
  streams: StreamStatus[];
  redis: RedisMemoryReading;
  /** The liquidation detector's storage mode (seed 001 memory circuit breaker); null when it is not running. */
  storage: { mode: string; usedPct: number; updatedAt: number } | null;
}

function field(entry: unknown[], name: string): unknown {
  const at = entry.indexOf(name);
  return at >= 0 ? entry[at + 1] : undefined;
}

/** One XINFO GROUPS reply (flat arrays of name/value pairs) as lags. */
export function parseGroups(reply: unknown): ConsumerGroupLag[] {
  if (!Array.isArray(reply)) return [];
  return reply
    .filter((entry): entry is unknown[] => Array.isArray(entry))
    .map((entry) => {
      const lag = field(entry, 'lag');
      return {
        group: String(field(entry, 'name')),
        lag: lag === null || lag === undefined ? null : Number(lag),
        pending: Number(field(entry, 'pending') ?? 0),
        consumers: Number(field(entry, 'consumers') ?? 0),
      };
    })
    .sort((a, b) => a.group.localeCompare(b.group));
}

/**
 * What the web view's status strip shows: each service's readiness (its /health/ready), the
 * consumer groups' lag on every stream, Redis memory, and the detector's storage mode.
 */
@Injectable()
export class SystemStatusService {
  private readonly services: ServiceUrl[];
  private readonly detector: DetectorStateRepository;

  constructor(
    private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {
    this.services = parseServiceUrls(config.STATUS_SERVICE_URLS);
    this.detector = new DetectorStateRepository(redis);
  }

  async status(): Promise<SystemStatus> {
    const [services, streams, redis, storage] = await Promise.all([
      Promise.all(this.services.map((service) => this.health(service))),
      Promise.all(STATUS_STREAMS.map((stream) => this.stream(stream))),
      this.detector.readMemory(0),
      this.detector.storageState(),
    ]);
    return {
      at: Date.now(),
      services,
      streams,
      redis,
      storage: storage && { mode: storage.mode, usedPct: storage.usedPct, updatedAt: storage.updatedAt },
    };
  }

  private async stream(stream: string): Promise<StreamStatus> {
    const length = await this.redis.xlen(stream);
    if (length === 0 && (await this.redis.exists(stream)) === 0) return { stream, length, groups: [] };
    const groups = parseGroups(await this.redis.xinfo('GROUPS', stream));
    return { stream, length, groups };
  }

  private async health(service: ServiceUrl): Promise<ServiceHealth> {
    const url = `${service.baseUrl}/health/ready`;
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(this.config.STATUS_HEALTH_TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.ok) return { name: service.name, url, state: 'up', httpStatus: 200, detail: null };
      return {
        name: service.name,
        url,
        state: 'degraded',
        httpStatus: response.status,
        detail: text.slice(0, 300),
      };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return {
        name: service.name,
        url,
        state: 'down',
        httpStatus: null,
        detail: cause ?? (error instanceof Error ? error.message : String(error)),
      };
    }
  }
}
