import WebSocket, { type RawData } from 'ws';
import type { VenueAdapter } from '@mdp/domain-ingestion';
import type { Venue } from '@mdp/schemas';
import type { Logger } from '@mdp/platform';
import { errorText } from '@mdp/transport';
import type { IngestionMetrics } from '../metrics/ingestion.metrics';
import type { IngestionPublisher } from '../publishing/ingestion.publisher';
import type { FrameIntake } from '../sources/frame-intake.service';

export type ConnectorState = 'idle' | 'connecting' | 'connected' | 'stale' | 'reconnecting' | 'stopped';
const STATES: readonly ConnectorState[] = [
  'idle',
  'connecting',
  'connected',
  'stale',
  'reconnecting',
  'stopped',
];

/** A connected interval: `to` is null while the connection is up. */
export interface CoverageInterval {
  from: number;
  to: number | null;
}

export interface VenueConnectorOptions {
  venue: Exclude<Venue, 'synthetic'>;
  url: string;
  /** A fresh adapter per session (adapters may keep per-session state). */
  createAdapter: () => VenueAdapter;
  /** Venue symbols of the session, for the disconnect gap events. */
  venueSymbols: readonly string[];
  intake: FrameIntake;
  publisher: IngestionPublisher;
  metrics: IngestionMetrics;
  logger: Logger;
  heartbeatMs: number;
  silenceMs: number;
  connectTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Uniform [0,1) source for the jitter. */
  random?: () => number;
}

const MAX_COVERAGE_INTERVALS = 100;

/**
 * One venue's WebSocket session, kept alive: it subscribes on open (through the adapter), answers
 * and sends heartbeats (the adapter's application ping, or a WebSocket ping where the venue has
 * none; WebSocket pings from the venue are answered by the socket), notices a feed that has sent no
 * frame for `silenceMs` and reconnects it, and reconnects after any loss with exponential backoff
 * and jitter, resubscribing. The time it was down is published as a `disconnect` gap per symbol and
 * the connected intervals are kept as coverage.
 */
export class VenueConnector {
  private socket: WebSocket | null = null;
  private adapter: VenueAdapter | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private attempt = 0;
  private lastFrameAt = 0;
  private downSince: number | null = null;
  private closeReason = 'closed';
  private stopping = false;
  private readonly intervals: CoverageInterval[] = [];
  private readonly random: () => number;
  private stateValue: ConnectorState = 'idle';
  /** Sessions opened since start. */
  sessions = 0;

  constructor(private readonly options: VenueConnectorOptions) {
    this.random = options.random ?? Math.random;
    this.setState('idle');
  }

  get venue(): Venue {
    return this.options.venue;
  }

  get state(): ConnectorState {
    return this.stateValue;
  }

  coverage(): CoverageInterval[] {
    return this.intervals.map((interval) => ({ ...interval }));
  }

  start(): void {
    this.stopping = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.clearTimers();
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const socket = this.socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.close(1000, 'shutdown');
      const timer = setTimeout(() => socket.terminate(), 1_000);
      await closed;
      clearTimeout(timer);
    }
    this.setState('stopped');
  }

  private connect(): void {
    if (this.stopping) return;
    this.setState(this.sessions === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(this.options.url, { handshakeTimeout: this.options.connectTimeoutMs });
    this.socket = socket;
    this.closeReason = 'closed';
    socket.on('open', () => this.onOpen(socket));
    socket.on('message', (data: RawData) => this.onMessage(socket, data));
    socket.on('error', (error: Error) => {
      this.closeReason = 'error';
      this.options.logger.warn({ venue: this.venue, error: errorText(error) }, 'venue socket error');
    });
    socket.on('close', (code: number) => this.onClose(socket, code));
  }

  private onOpen(socket: WebSocket): void {
    const now = Date.now();
    this.sessions += 1;
    this.adapter = this.options.createAdapter();
    this.lastFrameAt = now;
    this.intervals.push({ from: now, to: null });
    if (this.intervals.length > MAX_COVERAGE_INTERVALS) this.intervals.shift();
    this.setState('connected');
    if (this.downSince !== null) {
      for (const venueSymbol of this.options.venueSymbols) {
        this.options.publisher.publishGap({
          exchange: this.venue,
          venueSymbol,
          kind: 'disconnect',
          fromTs: this.downSince,
          toTs: now,
          backfilled: false,
        });
      }
      this.downSince = null;
    }
    this.options.logger.info(
      { venue: this.venue, url: this.options.url, session: this.sessions },
      'venue connected',
    );
    for (const frame of this.adapter.openingFrames()) socket.send(frame);
    const ping = this.adapter.heartbeatFrame();
    this.heartbeat = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (ping !== null) socket.send(ping);
      else socket.ping();
    }, this.options.heartbeatMs);
    this.watchdog = setInterval(
      () => this.checkSilence(socket),
      Math.max(10, Math.min(1_000, Math.floor(this.options.silenceMs / 4))),
    );
  }

  private onMessage(socket: WebSocket, data: RawData): void {
    if (socket !== this.socket || !this.adapter) return;
    const recvTs = Date.now();
    this.lastFrameAt = recvTs;
    this.attempt = 0;
    const frame = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    for (const reply of this.options.intake.handle(this.adapter, frame, recvTs)) socket.send(reply);
  }

  private checkSilence(socket: WebSocket): void {
    if (socket !== this.socket || this.stateValue !== 'connected') return;
    const silentFor = Date.now() - this.lastFrameAt;
    if (silentFor < this.options.silenceMs) return;
    this.setState('stale');
    this.closeReason = 'silent';
    this.options.logger.warn(
      { venue: this.venue, silentForMs: silentFor },
      'venue feed silent, reconnecting',
    );
    socket.terminate();
  }

  private onClose(socket: WebSocket, code: number): void {
    if (socket !== this.socket) return;
    const now = Date.now();
    this.clearTimers();
    this.adapter = null;
    const open = this.intervals[this.intervals.length - 1];
    if (open && open.to === null) {
      open.to = now;
      this.downSince = now;
    }
    if (this.stopping) return;
    this.options.metrics.reconnects.inc({ venue: this.venue, reason: this.closeReason });
    const ceiling = Math.min(
      this.options.backoffMaxMs,
      this.options.backoffBaseMs * 2 ** Math.min(this.attempt, 20),
    );
    const delay = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    this.attempt += 1;
    this.setState('reconnecting');
    this.options.logger.warn(
      { venue: this.venue, code, reason: this.closeReason, attempt: this.attempt, delayMs: delay },
      'venue disconnected, reconnecting',
    );
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, delay);
  }

  private clearTimers(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.watchdog) clearInterval(this.watchdog);
    this.heartbeat = null;
    this.watchdog = null;
  }

  private setState(state: ConnectorState): void {
    this.stateValue = state;
    for (const name of STATES)
      this.options.metrics.connectorState.set(
        { venue: this.options.venue, state: name },
        name === state ? 1 : 0,
      );
  }
}
