/**
 * The gateway benchmark's fixed-rate load: GET requests at an even pace (open loop) over keep-alive
 * connections, the latency of each counted from when it was due.
 *
 * Not autocannon's `overallRate`: that gives each connection a quota per second which it sends back
 * to back at full speed from the start of each second (5 000 req/s over 50 connections arrive as
 * bursts at the server's full speed, then nothing), and it corrects for coordinated omission with an
 * expected interval of `Math.ceil(1 / rate)` = 1 ms (a seconds-for-milliseconds slip), adding a
 * synthetic sample for every millisecond of every response: its "p99 at 5 000 req/s" measured the
 * bursts, inflated (a trivial node:http server showed p99 203 ms that way, 27 ms without the
 * correction, on the loaded dev machine). Here request i is due at start + i / rate and released
 * when the client's 1 ms timer finds it due: it goes out on a free connection, or waits for one to
 * free up, and its latency runs from its release, so a server stall is counted in full for every
 * request it holds back (waiting for a connection included). How late the client itself released
 * requests (its timer held up by a busy machine) is reported apart (`lateP99`, `lateMax`), not
 * charged to the server; `p99FromDue` is the p99 from when each request was due, the two together.
 */
import net from 'node:net';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { build } from 'hdr-histogram-js';
import { cpuJiffies, cpuShares } from './machine';

export interface PacedLoadOptions {
  /** `http://host:port/path?query` */
  url: string;
  headers: Record<string, string>;
  /** Requests per second. */
  rate: number;
  seconds: number;
  connections: number;
}

export interface PacedRun {
  /** Requests answered per second over the run. */
  rps: number;
  /** Latency from each request's release to its last response byte, ms. */
  p50: number;
  p99: number;
  /**
   * p99 of the latency from when each request was due (start + i / rate): the release latency plus
   * the client's own lateness, what a caller on that schedule would see (coordinated-omission free
   * even when the client itself stalls).
   */
  p99FromDue: number;
  p999: number;
  max: number;
  non2xx: number;
  errors: number;
  total: number;
  /** How late the client released requests after they were due, ms (its own stalls, not the server's). */
  lateP99: number;
  lateMax: number;
  /** The client's own garbage collections during the run: count, total and longest pause, ms. */
  clientGc: { count: number; totalMs: number; maxMs: number };
  /** Per CPU over the run (from /proc/stat; empty without it): busy and stolen share of its time, %. */
  cpus: Array<{ busy: number; steal: number }>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection with at most one request in flight. */
class PacedConnection {
  private readonly socket: net.Socket;
  /** Settles once the connection is open (the clock starts when every connection is). */
  readonly connected: Promise<void>;
  /** When the request in flight was released (performance.now() ms), or null when free. */
  dueAt: number | null = null;
  /** When the request in flight was due by the schedule (performance.now() ms). */
  scheduledAt = 0;
  private header: Buffer | null = null;
  private remaining = 0;
  private status = 0;

  constructor(
    host: string,
    port: number,
    private readonly request: Buffer,
    private readonly onAnswer: (
      connection: PacedConnection,
      status: number,
      dueAt: number,
      scheduledAt: number,
    ) => void,
    private readonly onError: (error: Error) => void,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (error) => this.onError(error));
  }

  send(dueAt: number, scheduledAt: number): void {
    this.dueAt = dueAt;
    this.scheduledAt = scheduledAt;
    this.socket.write(this.request);
  }

  close(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    if (this.remaining > 0) {
      this.remaining -= chunk.length;
      if (this.remaining <= 0) this.answered();
      return;
    }
    const data = this.header === null ? chunk : Buffer.concat([this.header, chunk]);
    const end = data.indexOf(HEADER_END);
    if (end < 0) {
      this.header = data;
      return;
    }
    this.header = null;
    const head = data.toString('latin1', 0, end);
    this.status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length === null) {
      this.onError(new Error(`answer without content-length: ${head.split('\r\n')[0]}`));
      return;
    }
    this.remaining = Number(length[1]) - (data.length - end - HEADER_END.length);
    if (this.remaining <= 0) this.answered();
  }

  private answered(): void {
    const dueAt = this.dueAt!;
    this.dueAt = null;
    this.remaining = 0;
    this.onAnswer(this, this.status, dueAt, this.scheduledAt);
  }
}

/** Runs the paced load and reports what the client saw. */
export async function pacedLoad(options: PacedLoadOptions): Promise<PacedRun> {
  const { rate, seconds } = options;
  if (!(rate > 0) || !(seconds > 0) || !(options.connections > 0))
    throw new Error(
      `pacedLoad: rate, seconds and connections must be positive (got ${rate}, ${seconds}, ${options.connections})`,
    );
  const url = new URL(options.url);
  const request = Buffer.from(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
      Object.entries(options.headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n',
  );
  const lateness = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 2,
  });
  const histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const total = Math.round(rate * seconds);
  const free: PacedConnection[] = [];
  const fromDue = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  /** Release and due times of requests waiting for a free connection (pairs). */
  const backlog: number[] = [];
  let backlogHead = 0;
  let sent = 0;
  let answered = 0;
  let non2xx = 0;
  let errors = 0;
  let start = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const onAnswer = (connection: PacedConnection, status: number, dueAt: number, scheduledAt: number) => {
    const now = performance.now();
    histogram.recordValue(Math.max(1, Math.round((now - dueAt) * 1000)));
    fromDue.recordValue(Math.max(1, Math.round((now - scheduledAt) * 1000)));
    if (status < 200 || status > 299) non2xx++;
    answered++;
    if (backlogHead < backlog.length) {
      connection.send(backlog[backlogHead]!, backlog[backlogHead + 1]!);
      backlogHead += 2;
    } else free.push(connection);
    if (answered + errors >= total) finish();
  };
  const onError = () => {
    // The connection is lost with its request (counted as unanswered); the others carry on.
    errors++;
    if (answered + errors >= total) finish();
  };
  const connections = Array.from(
    { length: options.connections },
    () => new PacedConnection(url.hostname, Number(url.port), request, onAnswer, onError),
  );
  free.push(...connections);
  await Promise.all(connections.map((connection) => connection.connected));

  const clientGc = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      clientGc.count++;
      clientGc.totalMs += entry.duration;
      clientGc.maxMs = Math.max(clientGc.maxMs, entry.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const jiffiesBefore = cpuJiffies();

  // Every millisecond (or as soon as the event loop gets there), release what has fallen due.
  start = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const scheduledAt = start + (sent * 1000) / rate;
      lateness.recordValue(Math.max(1, Math.round((now - scheduledAt) * 1000)));
      const connection = free.pop();
      if (connection) connection.send(now, scheduledAt);
      else backlog.push(now, scheduledAt);
    }
    if (sent >= total) clearInterval(timer);
  }, 1);
  const deadline = setTimeout(finish, seconds * 1000 + 30_000);
  await done;
  clearInterval(timer);
  clearTimeout(deadline);
  const elapsed = (performance.now() - start) / 1000;
  gcObserver.disconnect();
  const cpus = cpuShares(jiffiesBefore, cpuJiffies());

  for (const connection of connections) connection.close();
  const ms = (percentile: number) => histogram.getValueAtPercentile(percentile) / 1000;
  const run: PacedRun = {
    rps: answered / elapsed,
    p50: ms(50),
    p99: ms(99),
    p99FromDue: fromDue.getValueAtPercentile(99) / 1000,
    p999: ms(99.9),
    max: histogram.maxValue / 1000,
    non2xx,
    errors: total - answered,
    total: answered,
    lateP99: lateness.getValueAtPercentile(99) / 1000,
    lateMax: lateness.maxValue / 1000,
    clientGc,
    cpus,
  };
  histogram.destroy();
  fromDue.destroy();
  lateness.destroy();
  return run;
}
