import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** One client connection to a stand-in venue, with everything it sent. */
export interface StandInSession {
  socket: WebSocket;
  received: string[];
  pongs: number;
}

/**
 * A local WebSocket server that speaks a venue's format, driven by the test: it records what each
 * session sends, lets the test answer (`onMessage`), push frames, drop or silence a session.
 */
export class VenueStandIn {
  readonly sessions: StandInSession[] = [];
  private readonly server: WebSocketServer;
  /** Answers a client frame; return frames to send back. */
  onMessage: (text: string, session: StandInSession) => string[] = () => [];
  onConnect: (session: StandInSession) => string[] = () => [];

  private constructor(server: WebSocketServer) {
    this.server = server;
    server.on('connection', (socket) => {
      const session: StandInSession = { socket, received: [], pongs: 0 };
      this.sessions.push(session);
      socket.on('pong', () => (session.pongs += 1));
      socket.on('message', (data: Buffer) => {
        const text = data.toString('utf8');
        session.received.push(text);
        for (const reply of this.onMessage(text, session)) socket.send(reply);
      });
      for (const frame of this.onConnect(session)) socket.send(frame);
    });
  }

  static async start(): Promise<VenueStandIn> {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new VenueStandIn(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get current(): StandInSession {
    const session = this.sessions[this.sessions.length - 1];
    if (!session) throw new Error('no session yet');
    return session;
  }

  send(frame: unknown): void {
    this.current.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Drops the current connection without a close handshake (a network loss). */
  drop(): void {
    this.current.socket.terminate();
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A local HTTP server answering GET requests from a handler (a venue's REST history). */
export class HttpStandIn {
  readonly requests: string[] = [];
  private constructor(private readonly server: Server) {}

  static async start(handler: (url: URL) => unknown): Promise<HttpStandIn> {
    let standIn: HttpStandIn | null = null;
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      standIn?.requests.push(`${url.pathname}${url.search}`);
      const body = handler(url);
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body ?? { code: -1, msg: 'not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    standIn = new HttpStandIn(server);
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
