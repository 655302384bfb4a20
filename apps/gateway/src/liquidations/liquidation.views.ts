import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DETECTOR_COUNTERS } from '@mdp/data-access-liquidation';
import { LIQUIDATION_COMPLETENESS } from '@mdp/schemas';

/** Said wherever liquidation counts or volumes are shown (DESIGN: Binance forceOrder is a 1 s snapshot). */
export const UNDERCOUNT_NOTE =
  'Binance USD-M forceOrder sends at most one liquidation per symbol per second (a snapshot), so during bursts ' +
  'counts and volumes from Binance are lower than what happened (records with completeness sampled_1s).';

export class StoredLiquidationView {
  @ApiProperty() eventId!: string;
  @ApiProperty({ example: 'binance' }) exchange!: string;
  @ApiProperty({ example: 'BTC-USDT' }) symbol!: string;
  @ApiProperty({ enum: ['buy', 'sell'], description: 'Side of the forced order (sell = a long liquidated)' })
  orderSide!: string;
  @ApiProperty() price!: number;
  @ApiProperty() size!: number;
  @ApiProperty({ description: 'USD notional' }) notionalUsd!: number;
  @ApiProperty({ description: 'Event time, epoch ms' }) ts!: number;
  @ApiPropertyOptional({ enum: ['long', 'short'], description: 'Absent in records stored in reduced mode' })
  positionSide?: string;
  @ApiPropertyOptional({ description: 'Absent in records stored in reduced mode' }) priceKind?: string;
  @ApiPropertyOptional({
    enum: LIQUIDATION_COMPLETENESS,
    description: 'Absent in records stored in reduced mode',
  })
  completeness?: string;
}

export class RecentLiquidationsView {
  @ApiProperty({ example: 'BTC-USDT' }) symbol!: string;
  @ApiProperty() count!: number;
  @ApiProperty({
    type: [StoredLiquidationView],
    description: 'Newest first, from liquidation:{<SYMBOL>}:events',
  })
  liquidations!: StoredLiquidationView[];
  @ApiProperty({ example: UNDERCOUNT_NOTE }) note!: string;
}

export class LiquidationStatsView {
  @ApiProperty({ example: 'BTC-USDT' }) symbol!: string;
  @ApiProperty({ example: 60 }) window_minutes!: number;
  @ApiProperty() total_count!: number;
  @ApiProperty({ description: 'USD notional' }) total_volume!: number;
  @ApiProperty({ description: 'Forced buys (shorts liquidated)' }) buy_count!: number;
  @ApiProperty() buy_volume!: number;
  @ApiProperty({ description: 'Forced sells (longs liquidated)' }) sell_count!: number;
  @ApiProperty() sell_volume!: number;
  @ApiProperty({ example: UNDERCOUNT_NOTE }) note!: string;
}

export class PercentileThresholdView {
  @ApiProperty({ example: 'BTC-USDT' }) symbol!: string;
  @ApiProperty({ example: 80, description: 'PERCENTILE_THRESHOLD of the detector' }) percentile!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Current value (USD notional) over the rolling window; null with no data',
  })
  threshold!: number | null;
  @ApiProperty({ description: 'Liquidations in the rolling window' }) samples!: number;
  @ApiProperty({ description: 'Liquidations needed before the filter applies' }) minSamples!: number;
  @ApiProperty({ description: 'Whether the filter applies right now' }) applies!: boolean;
  @ApiProperty({ description: 'When the detector published it, epoch ms' }) updatedAt!: number;
}

export class PercentileThresholdsView {
  @ApiProperty({ type: [PercentileThresholdView] }) thresholds!: PercentileThresholdView[];
}

class DetectorCountersView {
  @ApiProperty() processed!: number;
  @ApiProperty() filtered!: number;
  @ApiProperty() stored!: number;
  @ApiProperty() memory_rejections!: number;
  @ApiProperty() signals!: number;
}

class StorageStateView {
  @ApiProperty({ enum: ['normal', 'reduced', 'critical'] }) mode!: string;
  @ApiProperty() usedBytes!: number;
  @ApiProperty() maxBytes!: number;
  @ApiProperty() usedPct!: number;
  @ApiProperty() evictedKeys!: number;
  @ApiProperty() policy!: string;
  @ApiProperty({ description: 'Epoch ms of the reading' }) updatedAt!: number;
}

export class DetectorStatusView {
  @ApiProperty({
    description: 'Whether the detector published its storage state recently (the key has a TTL)',
  })
  running!: boolean;
  @ApiProperty({ type: DetectorCountersView, description: `Service totals: ${DETECTOR_COUNTERS.join(', ')}` })
  counters!: DetectorCountersView;
  @ApiProperty({
    type: StorageStateView,
    nullable: true,
    description: 'null when the detector is not running',
  })
  storage!: StorageStateView | null;
  @ApiProperty({ type: [String], description: 'Symbols with stored liquidations' }) symbols!: string[];
  @ApiProperty({ example: UNDERCOUNT_NOTE }) note!: string;
}

export class LiquidationHistoryRowView {
  @ApiProperty({ description: 'Event time, epoch ms' }) ts!: number;
  @ApiProperty() eventId!: string;
  @ApiProperty() exchange!: string;
  @ApiProperty() market!: string;
  @ApiProperty() symbol!: string;
  @ApiProperty() base!: string;
  @ApiProperty() quote!: string;
  @ApiProperty() venueSymbol!: string;
  @ApiProperty({ enum: ['long', 'short'] }) positionSide!: string;
  @ApiProperty({ enum: ['buy', 'sell'] }) orderSide!: string;
  @ApiProperty() price!: number;
  @ApiProperty() priceKind!: string;
  @ApiProperty() size!: number;
  @ApiProperty() notionalUsd!: number;
  @ApiProperty({ enum: LIQUIDATION_COMPLETENESS }) completeness!: string;
  @ApiProperty() backfill!: boolean;
  @ApiProperty({ description: 'Receive time, epoch ms' }) recvTs!: number;
}

export class LiquidationHistoryView {
  @ApiProperty() symbol!: string;
  @ApiProperty() start!: number;
  @ApiProperty() end!: number;
  @ApiProperty() count!: number;
  @ApiProperty({ description: 'The range held more than limit liquidations (the oldest limit are returned)' })
  truncated!: boolean;
  @ApiProperty({ type: [LiquidationHistoryRowView], description: 'Oldest first' })
  liquidations!: LiquidationHistoryRowView[];
  @ApiProperty({ example: UNDERCOUNT_NOTE }) note!: string;
}

export class LiquidationSignalView {
  @ApiProperty() signalId!: string;
  @ApiProperty({ example: 'BTC-USDT' }) symbol!: string;
  @ApiProperty({ enum: ['buy', 'sell'], description: 'Side to trade' }) side!: string;
  @ApiProperty({ enum: ['liquidation_long', 'liquidation_short'] }) entryReason!: string;
  @ApiProperty() vwap!: number;
  @ApiProperty({ description: '(price - vwap) / vwap x 100' }) vwapDeviation!: number;
  @ApiProperty({ description: 'Liquidation notional, USD' }) liquidationSize!: number;
  @ApiProperty() liquidationEventId!: string;
  @ApiProperty() price!: number;
  @ApiProperty({ description: 'Liquidation time, epoch ms' }) ts!: number;
}
