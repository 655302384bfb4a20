import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  InstrumentCatalog,
  OKX_DEFAULT_CONTRACT_VALUES,
  createVenueAdapter,
  type LiveVenue,
  type VenueAdapterSettings,
} from '@mdp/domain-ingestion';
import { GapStream, LiquidationStream, TickStream, TradeStream } from '@mdp/schemas';
import { HealthRegistry, createRedisConnection, type Logger, type RedisClient } from '@mdp/platform';
import { StreamPublisher, StreamTrimmer, publisherOptionsFrom } from '@mdp/transport';
import { BinanceHistoryClient } from './connectors/binance-history.client';
import { VenueConnector, type CoverageInterval } from './connectors/venue.connector';
import { IngestionConfig, contractValuesOf, listOf } from './ingestion.config';
import { INGESTION_LOGGER } from './ingestion-logger.token';
import { IngestionMetrics } from './metrics/ingestion.metrics';
import { IngestionPublisher } from './publishing/ingestion.publisher';
import { RawFrameRecorder } from './recording/raw-frame.recorder';
import type { EventSource } from './sources/event-source';
import { FrameIntake } from './sources/frame-intake.service';
import { GeneratorSource } from './sources/generator.source';
import { ReplaySource } from './sources/replay.source';

export interface ConnectorCoverage {
  venue: string;
  state: string;
  sessions: number;
  coverage: CoverageInterval[];
}

/**
 * Wires the ingestion path at boot (Redis, stream publisher, ingestion publisher, the configured
 * source) and takes it down in order at shutdown: stop the source, flush the publisher, close the
 * recording, close Redis.
 */
@Injectable()
export class IngestionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private redis: RedisClient | null = null;
  private streams: StreamPublisher | null = null;
  private trimmer: StreamTrimmer | null = null;
  private recorder: RawFrameRecorder | null = null;
  readonly metrics = new IngestionMetrics();
  publisher: IngestionPublisher | null = null;
  source: EventSource | null = null;
  connectors: VenueConnector[] = [];

  constructor(
    private readonly config: IngestionConfig,
    @Inject(INGESTION_LOGGER) private readonly logger: Logger,
    private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const config = this.config;
    const redis = createRedisConnection(config.REDIS_URL);
    this.redis = redis;
    this.health.register('redis', async () => {
      await redis.ping();
    });
    // IngestionPublisher validates every event once against the schema library before buffering it
    // (so one bad event is skipped alone instead of failing a whole batch); a second pass here would
    // only repeat that work on the hot path.
    this.streams = new StreamPublisher(redis, {
      ...publisherOptionsFrom(config),
      validate: false,
      logger: this.logger,
    });
    const publisher = new IngestionPublisher(redis, this.streams, this.metrics, this.logger, {
      dedupCapacity: config.INGESTION_DEDUP_CAPACITY,
      flushMs: config.INGESTION_FLUSH_MS,
      batchSize: config.INGESTION_BATCH_SIZE,
      tickTtlSeconds: config.INGESTION_TICK_TTL_SECONDS,
      tickIntervalMs: config.INGESTION_TICK_INTERVAL_MS,
    });
    this.publisher = publisher;
    if (config.STREAM_MAXLEN > 0) {
      // Ingestion is the producer: it keeps its streams bounded too (never below what a group still needs).
      this.trimmer = new StreamTrimmer(redis, { maxLen: config.STREAM_MAXLEN, logger: this.logger });
      this.trimmer.start(
        [TradeStream.stream, LiquidationStream.stream, TickStream.stream, GapStream.stream],
        config.STREAM_TRIM_INTERVAL_MS,
      );
    }
    const bases = listOf(config.INGESTION_SYMBOLS);
    const settings: VenueAdapterSettings = {
      bases,
      stocks: listOf(config.INGESTION_STOCK_SYMBOLS),
      okxContractValues: {
        ...OKX_DEFAULT_CONTRACT_VALUES,
        ...contractValuesOf(config.INGESTION_OKX_CONTRACT_VALUES),
      },
      alpaca: { keyId: config.INGESTION_ALPACA_KEY_ID, secretKey: config.INGESTION_ALPACA_SECRET_KEY },
    };
    switch (config.INGESTION_SOURCE) {
      case 'generator':
        this.source = new GeneratorSource(
          {
            seed: config.INGESTION_GENERATOR_SEED,
            startTs: config.INGESTION_GENERATOR_START_TS || Date.now(),
            bases,
            tradesPerSecond: config.INGESTION_GENERATOR_RATE,
          },
          config.INGESTION_GENERATOR_END_TS,
          publisher,
          this.metrics,
          this.logger,
        );
        break;
      case 'replay':
        this.source = new ReplaySource(
          config.INGESTION_REPLAY_FILE,
          config.INGESTION_REPLAY_SPEED,
          settings,
          new FrameIntake(publisher, this.metrics, this.logger),
          publisher,
          this.logger,
        );
        break;
      default:
        this.source = this.liveSource(settings, publisher);
    }
    this.health.register('ingestion-source', () => Promise.resolve(this.source!.health()));
    await this.source.start();
    this.logger.info({ source: config.INGESTION_SOURCE }, 'ingestion started');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.source?.stop();
    await this.publisher?.close();
    await this.streams?.close();
    this.trimmer?.stop();
    await this.recorder?.close();
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
    this.logger.info('ingestion stopped');
  }

  coverage(): ConnectorCoverage[] {
    return this.connectors.map((connector) => ({
      venue: connector.venue,
      state: connector.state,
      sessions: connector.sessions,
      coverage: connector.coverage(),
    }));
  }

  private liveSource(settings: VenueAdapterSettings, publisher: IngestionPublisher): EventSource {
    const config = this.config;
    if (config.INGESTION_RECORD_FILE) this.recorder = new RawFrameRecorder(config.INGESTION_RECORD_FILE);
    const intake = new FrameIntake(publisher, this.metrics, this.logger, this.recorder);
    const urls: Record<LiveVenue, string> = {
      binance: config.INGESTION_BINANCE_WS_URL,
      hyperliquid: config.INGESTION_HYPERLIQUID_WS_URL,
      bybit: config.INGESTION_BYBIT_WS_URL,
      okx: config.INGESTION_OKX_WS_URL,
      alpaca: config.INGESTION_ALPACA_WS_URL,
    };
    const venues = [...new Set(listOf(config.INGESTION_VENUES))] as LiveVenue[];
    if (
      venues.includes('alpaca') &&
      (!config.INGESTION_ALPACA_KEY_ID || !config.INGESTION_ALPACA_SECRET_KEY)
    ) {
      throw new Error(
        'INGESTION_VENUES includes alpaca but INGESTION_ALPACA_KEY_ID and INGESTION_ALPACA_SECRET_KEY are not both set',
      );
    }
    if (venues.includes('binance') && config.INGESTION_BACKFILL) {
      const history = new BinanceHistoryClient(config.INGESTION_BINANCE_REST_URL, settings.bases);
      publisher.setBackfiller('binance', (gap) => history.aggTrades(gap.venueSymbol, gap.fromId, gap.toId));
    }
    this.connectors = venues.map((venue) => {
      const connector = new VenueConnector({
        venue,
        url: urls[venue],
        createAdapter: () => createVenueAdapter(venue, settings),
        venueSymbols: InstrumentCatalog.forVenue(
          venue,
          venue === 'alpaca' ? settings.stocks : settings.bases,
          settings.okxContractValues,
        ).instruments.map((instrument) => instrument.venueSymbol),
        intake,
        publisher,
        metrics: this.metrics,
        logger: this.logger,
        heartbeatMs: config.INGESTION_HEARTBEAT_MS,
        silenceMs: config.INGESTION_SILENCE_MS,
        connectTimeoutMs: config.INGESTION_CONNECT_TIMEOUT_MS,
        backoffBaseMs: config.INGESTION_BACKOFF_BASE_MS,
        backoffMaxMs: config.INGESTION_BACKOFF_MAX_MS,
      });
      this.health.register(`connector:${venue}`, () => {
        if (connector.state !== 'connected')
          return Promise.reject(new Error(`${venue} is ${connector.state}`));
        return Promise.resolve({ state: connector.state, sessions: connector.sessions });
      });
      return connector;
    });
    const connectors = this.connectors;
    return {
      name: 'live',
      start: () => {
        for (const connector of connectors) connector.start();
        return Promise.resolve();
      },
      stop: async () => {
        await Promise.all(connectors.map((connector) => connector.stop()));
      },
      health: () => ({
        source: 'live',
        connectors: connectors.map((connector) => ({ venue: connector.venue, state: connector.state })),
      }),
    };
  }
}
