import type { LiquidationMessage, TickMessage, TradeMessage, Venue } from '@mdp/schemas';

/** What one raw venue frame turned into. Control frames (acks, pongs) carry no events. */
export interface ParsedFrame {
  trades: TradeMessage[];
  liquidations: LiquidationMessage[];
  ticks: TickMessage[];
  /** Frames to send back on the same connection (an auth step, a subscribe after auth, a pong). */
  replies: string[];
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

export function emptyFrame(replies: string[] = []): ParsedFrame {
  return { trades: [], liquidations: [], ticks: [], replies };
}
