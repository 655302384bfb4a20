import { WebSocket } from 'ws';

export type WsMessage = Record<string, unknown> & { op?: string; channel?: string };

/** What a refused upgrade answered. */
export interface Refusal {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * A real WebSocket client for the tests: collects every message, and `next(predicate)` waits for the
 * first one (not yet taken) that matches.
 */
export class WsTestClient {
  readonly messages: WsMessage[] = [];
  private readonly taken = new Set<number>();
  private waiters: Array<() => void> = [];
  closeCode: number | null = null;
  closeReason = '';
  readonly closed: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.messages.push(JSON.parse((data as Buffer).toString('utf8')) as WsMessage);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.wake();
        resolve();
      }),
    );
  }

  /** Opens `<wsUrl>/ws` (with `X-API-Key` when a key is given) and waits for the `connected` message. */
  static async open(wsUrl: string, options: { key?: string; query?: string } = {}): Promise<WsTestClient> {
    const ws = new WebSocket(`${wsUrl}/ws${options.query ?? ''}`, {
      headers: options.key === undefined ? {} : { 'x-api-key': options.key },
    });
    const client = new WsTestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused with ${response.statusCode}`)),
      );
    });
    await client.next((message) => message.op === 'connected');
    return client;
  }

  /** Attempts an upgrade that the gateway is expected to refuse; returns its HTTP answer. */
  static async refusal(wsUrl: string, options: { key?: string; path?: string } = {}): Promise<Refusal> {
    const ws = new WebSocket(`${wsUrl}${options.path ?? '/ws'}`, {
      headers: options.key === undefined ? {} : { 'x-api-key': options.key },
    });
    ws.on('error', () => undefined);
    return new Promise<Refusal>((resolve, reject) => {
      ws.once('open', () => {
        ws.close();
        reject(new Error('the upgrade was accepted'));
      });
      ws.once('unexpected-response', (_request, response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: JSON.parse(Buffer.concat(chunks).toString()) as unknown,
          }),
        );
      });
    });
  }

  get connectionId(): string {
    return this.messages.find((message) => message.op === 'connected')!['connectionId'] as string;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends a message and waits for the next reply (any `op` but updates, gaps and dropped notices). */
  async request(message: unknown): Promise<WsMessage> {
    this.send(message);
    return this.next(
      (reply) =>
        reply.op !== undefined && reply.op !== 'gap' && reply.op !== 'dropped' && reply.op !== 'connected',
    );
  }

  async next(predicate: (message: WsMessage) => boolean, timeoutMs = 5_000): Promise<WsMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < this.messages.length; i++) {
        if (this.taken.has(i)) continue;
        if (predicate(this.messages[i]!)) {
          this.taken.add(i);
          return this.messages[i]!;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching message in ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`,
        );
      if (this.closeCode !== null)
        throw new Error(`connection closed (${this.closeCode} ${this.closeReason})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Updates received on `channel` (messages without `op`). */
  updates(channel: string): WsMessage[] {
    return this.messages.filter((message) => message.op === undefined && message.channel === channel);
  }

  async close(): Promise<void> {
    if (this.closeCode === null) {
      this.ws.close();
      await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
