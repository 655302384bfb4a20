import { SyntheticMarketGenerator, type SyntheticMarketOptions } from '@mdp/domain-ingestion';
import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import type { Logger } from '@mdp/platform';
import type { IngestionMetrics } from '../metrics/ingestion.metrics';
import type { IngestionPublisher } from '../publishing/ingestion.publisher';
import type { EventSource } from './event-source';

/** Events are handed over every TICK_MS: an event waits at most this long after its time. */
const TICK_MS = 5;
const MAX_EVENTS_PER_TICK = 100_000;

/**
 * Runs the synthetic market in real time: every 5 ms it publishes the generated events whose time
 * has come. Event times come from the generator's own clock (seeded), so a run is reproducible.
 */
export class GeneratorSource implements EventSource {
  readonly name = 'generator';
  private readonly generator: SyntheticMarketGenerator;
  private timer: NodeJS.Timeout | null = null;
  events = 0;

  /**
   * @param endTs events from this time (epoch ms) on are not generated (0: never); `health()` says
   * `finished` once every earlier event was handed to the publisher.
   */
  constructor(
    options: SyntheticMarketOptions,
    private readonly endTs: number,
    private readonly publisher: IngestionPublisher,
    private readonly metrics: IngestionMetrics,
    private readonly logger: Logger,
  ) {
    this.generator = new SyntheticMarketGenerator(options);
  }

  start(): Promise<void> {
    this.logger.info({ source: this.name }, 'synthetic generator started');
    this.timer = setInterval(() => this.pump(), TICK_MS);
    this.pump();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return Promise.resolve();
  }

  health(): Record<string, unknown> {
    return this.endTs > 0
      ? { source: this.name, events: this.events, finished: this.generator.peekTs() >= this.endTs }
      : { source: this.name, events: this.events };
  }

  private pump(): void {
    const now = this.endTs > 0 ? Math.min(Date.now(), this.endTs - 1) : Date.now();
    const trades: TradeMessage[] = [];
    const liquidations: LiquidationMessage[] = [];
    // Never more than the publisher can hold: when Redis falls behind, the generator falls behind
    // real time (its events get older) instead of overloading the publisher, whose refusal of an
    // oversized write would otherwise be retried with the same, growing, write forever.
    const room = Math.min(MAX_EVENTS_PER_TICK, this.publisher.headroom());
    while (trades.length + liquidations.length < room && this.generator.peekTs() <= now) {
      const event = this.generator.next();
      if (event.kind === 'trade') trades.push(event.trade);
      else liquidations.push(event.liquidation);
    }
    if (trades.length + liquidations.length === 0) return;
    this.events += trades.length + liquidations.length;
    this.metrics.framesIn.inc({ venue: 'synthetic' }, trades.length + liquidations.length);
    this.publisher.accept('synthetic', { trades, liquidations, ticks: [] });
  }
}
