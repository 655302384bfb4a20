/**
 * The shared vocabulary of every stream message. Units, once for all messages:
 * - price: quote currency per one unit of the base asset (USD or USDT, treated as USD 1:1)
 * - size: base-asset units (coins, shares); venues quoting in contracts are converted at ingestion
 * - notionalUsd: price * size in US dollars
 * - timestamps: integer epoch milliseconds (UTC)
 * - side (trades): the aggressor (taker) side, `buy` lifts the ask, `sell` hits the bid
 */
export const VENUES = ['hyperliquid', 'binance', 'bybit', 'okx', 'alpaca', 'synthetic'] as const;
export type Venue = (typeof VENUES)[number];

export const MARKETS = ['perp', 'spot', 'stock'] as const;
export type Market = (typeof MARKETS)[number];

export const SIDES = ['buy', 'sell'] as const;
export type Side = (typeof SIDES)[number];

export const POSITION_SIDES = ['long', 'short'] as const;
export type PositionSide = (typeof POSITION_SIDES)[number];

/** What the liquidation price means: a fill price, an average fill, or the bankruptcy price a venue reports. */
export const LIQUIDATION_PRICE_KINDS = ['fill', 'average_fill', 'bankruptcy'] as const;
export type LiquidationPriceKind = (typeof LIQUIDATION_PRICE_KINDS)[number];

/**
 * How complete a venue's liquidation feed is:
 * - `complete`: every liquidation is sent
 * - `sampled_1s`: at most one liquidation per symbol per second (Binance forceOrder)
 * - `batched_500ms`: liquidations are pushed in 500 ms batches (Bybit allLiquidation)
 * - `inferred`: not a venue liquidation feed, inferred from public data
 */
export const LIQUIDATION_COMPLETENESS = ['complete', 'sampled_1s', 'batched_500ms', 'inferred'] as const;
export type LiquidationCompleteness = (typeof LIQUIDATION_COMPLETENESS)[number];

export const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

/** Liquidity flow map windows (seed 000). */
export const FLOW_WINDOWS = ['1m', '5m', '15m', '1h', '4h'] as const;
export type FlowWindow = (typeof FLOW_WINDOWS)[number];

/** Velocity trend classes (seed 003). */
export const VELOCITY_TRENDS = ['increasing', 'decreasing', 'stable', 'insufficient_data'] as const;
export type VelocityTrend = (typeof VELOCITY_TRENDS)[number];

/** A symbol as written in Redis keys and messages: upper-case letters, digits, `-`, `_`, `.`. */
export const SYMBOL_PATTERN = /^[A-Z0-9][A-Z0-9._-]{0,31}$/;
