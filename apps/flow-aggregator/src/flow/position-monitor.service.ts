import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger, RedisClient } from '@mdp/platform';
import { errorText } from '@mdp/transport';
import { markPosition, monitorPosition, nextFlowLevel, type ActivePosition } from '@mdp/domain-flow';
import { PositionRepository } from '@mdp/data-access-flow';
import { FlowAggregatorConfig } from '../flow-aggregator.config';
import { FlowAggregationService } from './flow-aggregation.service';
import { FLOW_TOKENS } from './flow-aggregator.tokens';
import { flowMetrics } from './flow.metrics';

/**
 * Seed 002 position monitoring: every POSITION_MONITOR_INTERVAL_MS, for each symbol that traded,
 * marks `positions:active:{symbol}` (when it exists) to the last trade price (current_price,
 * unrealized_pnl, unrealized_pnl_pct, last_update; compare-and-set, TTL kept) and rewrites
 * `positions:monitoring:{symbol}`: distances to stop and target, time in trade, RSI of 1m candles,
 * MACD of 5m candles and the next flow level (1h window) beyond the price.
 */
@Injectable()
export class PositionMonitorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly positions: PositionRepository;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly config: FlowAggregatorConfig,
    private readonly aggregation: FlowAggregationService,
    @Inject(FLOW_TOKENS.redis) redis: RedisClient,
    @Inject(FLOW_TOKENS.logger) private readonly logger: Logger,
  ) {
    this.positions = new PositionRepository(redis);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.update()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.warn(
            { error: errorText(error) },
            'position monitoring failed; retrying on the next tick',
          ),
        )
        .finally(() => (this.running = null));
    }, this.config.POSITION_MONITOR_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Updates the positions of every symbol that traded since the last run. */
  async update(now = Date.now()): Promise<number> {
    const symbols = this.aggregation.takeChangedSymbols();
    if (symbols.length === 0) return 0;
    const active = await this.positions.readActive(symbols);
    let updated = 0;
    for (const [symbol, raw] of active) {
      const last = this.aggregation.lastPrice(symbol);
      if (!last) continue;
      let position: ActivePosition;
      try {
        position = JSON.parse(raw) as ActivePosition;
        if (typeof position.entry_price !== 'number' || typeof position.quantity !== 'number')
          throw new Error('entry_price and quantity must be numbers');
      } catch (error) {
        flowMetrics.positionsUpdated.inc({ outcome: 'invalid' });
        this.logger.warn(
          { symbol, error: errorText(error) },
          'positions:active value is not a seed 002 position; left alone',
        );
        continue;
      }
      const marked = markPosition(position, last.price, now);
      const monitoring = monitorPosition(marked, last.price, now, {
        rsi1m: this.aggregation.indicatorsOf(symbol, '1m'),
        macd5m: this.aggregation.indicatorsOf(symbol, '5m'),
        nextLevel: nextFlowLevel(
          this.aggregation.flowNodes(symbol, '1h', last.ts),
          last.price,
          position.side,
        ),
      });
      const written = await this.positions.updateActive(symbol, raw, marked);
      flowMetrics.positionsUpdated.inc({ outcome: written ? 'updated' : 'changed_meanwhile' });
      if (!written) continue; // changed or closed meanwhile: the next trade retries
      await this.positions.writeMonitoring(symbol, monitoring, this.config.POSITION_MONITORING_TTL_S);
      updated += 1;
    }
    return updated;
  }
}
