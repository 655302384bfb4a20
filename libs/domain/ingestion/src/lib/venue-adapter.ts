import type { LiquidationMessage, TickMessage, TradeMessage, Venue } from '@mdp/schemas';
import type { Instrument } from './instrument-catalog';

/** What one raw venue frame turned into. Control frames (acks, pongs) carry no events. */
export interface ParsedFrame {
  readonly trades: readonly TradeMessage[];
  readonly liquidations: readonly LiquidationMessage[];
  readonly ticks: readonly TickMessage[];
  /** Frames to send back on the same connection (an auth step, a subscribe after auth, a pong). */
  readonly replies: readonly string[];
}

/** A frame whose lists the adapter fills (Alpaca: ticks and replies beside trades). */
export interface ParsedFrameBuilder extends ParsedFrame {
  readonly trades: TradeMessage[];
  readonly liquidations: LiquidationMessage[];
  readonly ticks: TickMessage[];
  readonly replies: string[];
}

/**
 * One venue's documented WebSocket format, as a pure adapter: what to send after the socket opens,
 * what to send as a heartbeat, and how a received frame maps to normalized events. A frame the
 * adapter cannot read makes `parse` throw a FrameParseError; the caller counts, logs and skips it.
 * An adapter may keep state (Alpaca's last quote per symbol), so one instance serves one session.
 */
export interface VenueAdapter {
  readonly venue: Venue;
  /** True when trade ids of one instrument are consecutive integers, so a jump is a gap. */
  readonly sequentialTradeIds: boolean;
  /** Frames to send right after the socket opens (subscriptions, or the first auth step). */
  openingFrames(): string[];
  /** Application-level ping to send every heartbeat interval, or null when the venue pings us. */
  heartbeatFrame(): string | null;
  parse(frame: string, recvTs: number): ParsedFrame;
}

export function emptyFrame(replies: string[] = []): ParsedFrameBuilder {
  return { trades: [], liquidations: [], ticks: [], replies };
}

/** One shared empty list for the lists a frame does not carry (frozen: nothing can be added to it). */
const NONE: readonly never[] = Object.freeze([]);

/** What a control frame (an ack, a pong) parses to: no events, no replies; shared, frozen. */
export const CONTROL_FRAME: ParsedFrame = Object.freeze({
  trades: NONE,
  liquidations: NONE,
  ticks: NONE,
  replies: NONE,
});

/** A frame of trades only (two objects per frame instead of five). */
export function tradeFrame(trades: readonly TradeMessage[]): ParsedFrame {
  return { trades, liquidations: NONE, ticks: NONE, replies: NONE };
}

/** A frame of liquidations only. */
export function liquidationFrame(liquidations: readonly LiquidationMessage[]): ParsedFrame {
  return { trades: NONE, liquidations, ticks: NONE, replies: NONE };
}

/**
 * The normalized trade of `instrument` (every adapter builds it here, so every trade has one shape):
 * notional in USD = price x size, the instrument's markets being quoted in USD or a USD stablecoin.
 */
export function tradeMessage(
  instrument: Instrument,
  tradeId: string,
  price: number,
  size: number,
  side: TradeMessage['side'],
  ts: number,
  recvTs: number,
): TradeMessage {
  return {
    exchange: instrument.venue,
    market: instrument.market,
    symbol: instrument.symbol,
    base: instrument.base,
    quote: instrument.quote,
    venueSymbol: instrument.venueSymbol,
    tradeId,
    price,
    size,
    notionalUsd: price * size,
    side,
    ts,
    recvTs,
  };
}
