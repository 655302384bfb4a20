import { WebSocket } from 'ws';
import { wsMetrics } from './ws.metrics';
import type { WsTopic } from './ws-protocol';

export interface WsConnectionLimits {
  highWaterBytes: number;
  maxBufferedBytes: number;
  slowClientTimeoutMs: number;
  maxMessagesPerSecond: number;
}

/** WebSocket close codes used by the gateway. */
export const WS_CLOSE = {
  goingAway: 1001,
  policy: 1008,
  tryAgainLater: 1013,
} as const;

/**
 * One client connection: its subscriptions, its send buffer and its message budget.
 *
 * Sending is bounded: `ws.bufferedAmount` (the socket's unsent bytes plus what the ws sender still
 * holds) is checked before every update. Above the high-water mark updates are dropped and
 * counted; once the client has read its buffer down to half the mark it gets one
 * `{"op":"dropped","count":n}` notice and updates resume. A client above the mark for longer than
 * the slow-client timeout, or above the hard limit at all, is closed with 1013. So a connection
 * holds at most about the high-water mark plus one message, whatever the client does.
 */
export class WsConnection {
  readonly topics = new Map<string, WsTopic>();
  /** Updates dropped since the client last caught up. */
  dropped = 0;
  /** When the buffer went above the high-water mark (0: it is below). */
  overSince = 0;
  /** Largest bufferedAmount seen before a send, for tests and diagnostics. */
  peakBuffered = 0;
  /** Answered the last ping. */
  alive = true;
  closing = false;
  /** The client message being handled (they are handled one at a time, in order). */
  pending: Promise<void> = Promise.resolve();
  private windowStart = 0;
  private windowCount = 0;
  private readonly lowWaterBytes: number;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    /** The API key's hash, or null for an anonymous client (closed when its key is revoked). */
    readonly keyHash: string | null,
    private readonly limits: WsConnectionLimits,
  ) {
    this.lowWaterBytes = Math.floor(limits.highWaterBytes / 2);
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN && !this.closing;
  }

  /** Sends an update unless the client is behind; see the class comment. */
  sendUpdate(text: string, now = Date.now()): void {
    if (!this.open) return;
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.peakBuffered) this.peakBuffered = buffered;
    if (this.dropped > 0 || buffered >= this.limits.highWaterBytes) {
      if (this.dropped > 0 && buffered <= this.lowWaterBytes) {
        this.caughtUp();
      } else {
        this.drop(buffered, now);
        return;
      }
    }
    this.socket.send(text);
    wsMetrics.messagesSent.inc({ kind: 'update' });
  }

  /** Sends a reply to the client's own message (never dropped; closes the connection past the hard limit). */
  reply(text: string): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.closeSlow(`more than ${this.limits.maxBufferedBytes} bytes unread`);
      return;
    }
    this.socket.send(text);
    wsMetrics.messagesSent.inc({ kind: 'reply' });
  }

  /** Periodic check of a connection that is dropping: send the `dropped` notice or close it as too slow. */
  check(now = Date.now()): void {
    if (!this.open || this.dropped === 0) return;
    const buffered = this.socket.bufferedAmount;
    if (buffered <= this.lowWaterBytes) this.caughtUp();
    else if (now - this.overSince > this.limits.slowClientTimeoutMs)
      this.closeSlow(
        `above ${this.limits.highWaterBytes} unread bytes for ${this.limits.slowClientTimeoutMs} ms`,
      );
  }

  /** Counts one client message; false when it is over the per-second budget (`first` on the first excess). */
  admit(now = Date.now()): { allowed: boolean; firstExcess: boolean } {
    if (now - this.windowStart >= 1_000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount += 1;
    if (this.windowCount <= this.limits.maxMessagesPerSecond) return { allowed: true, firstExcess: false };
    return { allowed: false, firstExcess: this.windowCount === this.limits.maxMessagesPerSecond + 1 };
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
    // A client that does not read never completes the closing handshake: cut it after a second.
    setTimeout(() => this.socket.terminate(), 1_000).unref();
  }

  private drop(buffered: number, now: number): void {
    this.dropped += 1;
    wsMetrics.dropped.inc();
    if (this.overSince === 0) this.overSince = now;
    if (buffered > this.limits.maxBufferedBytes)
      this.closeSlow(`more than ${this.limits.maxBufferedBytes} bytes unread`);
    else if (now - this.overSince > this.limits.slowClientTimeoutMs)
      this.closeSlow(
        `above ${this.limits.highWaterBytes} unread bytes for ${this.limits.slowClientTimeoutMs} ms`,
      );
  }

  private caughtUp(): void {
    const count = this.dropped;
    this.dropped = 0;
    this.overSince = 0;
    this.socket.send(`{"op":"dropped","count":${count}}`);
    wsMetrics.messagesSent.inc({ kind: 'reply' });
  }

  private closeSlow(detail: string): void {
    if (this.closing) return;
    wsMetrics.closedSlow.inc();
    this.close(WS_CLOSE.tryAgainLater, `client too slow: ${detail}`.slice(0, 120));
  }
}
