/**
 * Message builders for tests: a valid message of each type, with any field overridden.
 * Imported as `@mdp/schemas/testing`, from tests and benchmarks only.
 */
import type { CandleMessage } from './lib/messages/candle.message';
import type { FlowSnapshotNoticeMessage } from './lib/messages/flow-snapshot-notice.message';
import type { GapMessage } from './lib/messages/gap.message';
import type { LiquidationSignalMessage } from './lib/messages/liquidation-signal.message';
import type { LiquidationMessage } from './lib/messages/liquidation.message';
import type { TickMessage } from './lib/messages/tick.message';
import type { TokenUpdateMessage } from './lib/messages/token-update.message';
import type { TradeMessage } from './lib/messages/trade.message';

const T0 = 1_700_000_000_000;

const BTC_PERP_ON_BINANCE = {
  exchange: 'binance',
  market: 'perp',
  symbol: 'BTC-USDT',
  base: 'BTC',
  quote: 'USDT',
  venueSymbol: 'BTCUSDT',
} as const;

export function aTrade(overrides: Partial<TradeMessage> = {}): TradeMessage {
  const price = overrides.price ?? 65_000.5;
  const size = overrides.size ?? 0.25;
  return {
    ...BTC_PERP_ON_BINANCE,
    tradeId: '1000',
    price,
    size,
    notionalUsd: price * size,
    side: 'buy',
    ts: T0,
    recvTs: T0 + 5,
    ...overrides,
  };
}

export function aLiquidation(overrides: Partial<LiquidationMessage> = {}): LiquidationMessage {
  const price = overrides.price ?? 64_000;
  const size = overrides.size ?? 1.5;
  return {
    ...BTC_PERP_ON_BINANCE,
    eventId: 'binance:BTCUSDT:1700000000000:SELL:1.5',
    positionSide: 'long',
    orderSide: 'sell',
    price,
    priceKind: 'average_fill',
    size,
    notionalUsd: price * size,
    completeness: 'sampled_1s',
    ts: T0,
    recvTs: T0 + 7,
    ...overrides,
  };
}

export function aTick(overrides: Partial<TickMessage> = {}): TickMessage {
  return {
    ...BTC_PERP_ON_BINANCE,
    last: 65_000.5,
    bid: 65_000,
    ask: 65_001,
    ts: T0,
    recvTs: T0 + 3,
    ...overrides,
  };
}

export function aCandle(overrides: Partial<CandleMessage> = {}): CandleMessage {
  return {
    symbol: 'BTC',
    exchange: 'all',
    timeframe: '1m',
    openTime: T0 - (T0 % 60_000),
    open: 65_000,
    high: 65_100,
    low: 64_900,
    close: 65_050,
    volume: 12.5,
    notionalUsd: 812_500,
    trades: 42,
    closed: true,
    ...overrides,
  };
}

export function aSignal(overrides: Partial<LiquidationSignalMessage> = {}): LiquidationSignalMessage {
  return {
    signalId: 'signal:binance:BTCUSDT:1700000000000:SELL:1.5',
    symbol: 'BTC',
    side: 'buy',
    entryReason: 'liquidation_long',
    vwap: 66_000,
    vwapDeviation: -3.03,
    liquidationSize: 96_000,
    liquidationEventId: 'binance:BTCUSDT:1700000000000:SELL:1.5',
    price: 64_000,
    ts: T0,
    ...overrides,
  };
}

export function aFlowSnapshotNotice(
  overrides: Partial<FlowSnapshotNoticeMessage> = {},
): FlowSnapshotNoticeMessage {
  return {
    key: 'liquidity-flow:BTC:5m:1699999800000',
    coin: 'BTC',
    timeWindow: '5m',
    timestamp: 1_699_999_800_000,
    final: true,
    totalTrades: 120,
    netFlow: 3.5,
    writtenAt: T0,
    ...overrides,
  };
}

export function aTokenUpdate(overrides: Partial<TokenUpdateMessage> = {}): TokenUpdateMessage {
  return {
    tokenId: 1,
    cmcId: 1,
    symbol: 'BTC',
    name: 'Bitcoin',
    priceUsd: 45_000.5,
    marketCapUsd: 850_000_000_000,
    volume24hUsd: 25_000_000_000,
    velocity: 0.02941176,
    trend: 'stable',
    dataQualityScore: 1,
    ts: T0,
    ...overrides,
  };
}

export function aGap(overrides: Partial<GapMessage> = {}): GapMessage {
  return {
    exchange: 'binance',
    venueSymbol: 'BTCUSDT',
    kind: 'trade_id',
    fromId: '1001',
    toId: '1004',
    fromTs: T0,
    toTs: T0 + 1_000,
    backfilled: false,
    ...overrides,
  };
}
