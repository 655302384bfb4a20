/**
 * The page's access to the gateway: REST with the API key (from `?api_key=` or localStorage, or none
 * when the gateway allows anonymous reads), the list of routes the gateway serves (from its OpenAPI
 * document, so a panel whose endpoints are missing says so instead of requesting them), and one
 * WebSocket that resubscribes after a reconnect.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const KEY_STORAGE = 'mdp.apiKey';

export function apiKeyFromPage(): string {
  const fromQuery = new URLSearchParams(location.search).get('api_key');
  try {
    if (fromQuery) localStorage.setItem(KEY_STORAGE, fromQuery);
    return fromQuery ?? localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return fromQuery ?? '';
  }
}

export class Api {
  private routes = new Set<string>();

  constructor(private readonly key: string) {}

  /** Reads the gateway's OpenAPI document: which GET routes exist. */
  async discover(): Promise<void> {
    const document = await this.get<{ paths?: Record<string, Record<string, unknown>> }>('/openapi.json');
    this.routes = new Set(
      Object.entries(document.paths ?? {})
        .filter(([, operations]) => 'get' in operations)
        .map(([route]) => route),
    );
  }

  /** Whether the gateway serves GET `route` (OpenAPI form: `/api/candles/{symbol}`). */
  has(route: string): boolean {
    return this.routes.has(route);
  }

  /** The first of `routes` the gateway serves, or null. */
  first(...routes: string[]): string | null {
    return routes.find((route) => this.routes.has(route)) ?? null;
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) params.set(name, String(value));
    const url = params.size > 0 ? `${path}?${params.toString()}` : path;
    const response = await fetch(url, { headers: this.key ? { 'x-api-key': this.key } : {} });
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        const body = JSON.parse(text) as { message?: string | string[] };
        message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? text);
      } catch {
        // not JSON: the text as it is
      }
      throw new ApiError(response.status, `${response.status} ${message}`);
    }
    return JSON.parse(text) as T;
  }

  socketUrl(): string {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const query = this.key ? `?api_key=${encodeURIComponent(this.key)}` : '';
    return `${scheme}://${location.host}/ws${query}`;
  }
}

export type SocketState = 'connecting' | 'open' | 'closed';
/** A subscription as the gateway's protocol takes it (apps/gateway/src/realtime/ws-protocol.ts). */
export type Topic =
  | { channel: 'tokens'; tokenId: number }
  | { channel: 'flow'; coin: string; timeWindow: string }
  | { channel: 'signals'; symbol: string }
  | { channel: 'liquidations'; symbol: string };
export interface Update {
  channel: Topic['channel'];
  data: unknown;
  [field: string]: unknown;
}

/** 12 frames every 800 ms: 15 per second, under the gateway's 20. */
const FRAMES_PER_TICK = 12;
const TICK_MS = 800;

function topicKey(topic: Topic): string {
  return JSON.stringify(topic);
}

/** One WebSocket to the gateway: subscriptions survive reconnects; updates go to the handlers of their channel. */
export class LiveSocket {
  private socket: WebSocket | null = null;
  private readonly topics = new Map<string, Topic>();
  private readonly handlers = new Map<string, Array<(update: Update) => void>>();
  private retryMs = 500;
  /** Frames waiting to be sent: the gateway takes at most WS_MAX_MESSAGES_PER_SECOND (20) per second. */
  private readonly queue: string[] = [];
  private pump: ReturnType<typeof setInterval> | null = null;
  /** Updates received, by channel (shown in the page and read by the browser test). */
  readonly received: Record<string, number> = { tokens: 0, flow: 0, signals: 0, liquidations: 0 };

  constructor(
    private readonly url: string,
    private readonly onState: (state: SocketState, detail?: string) => void,
  ) {}

  connect(): void {
    this.onState('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.onState('open');
      this.queue.length = 0;
      for (const topic of this.topics.values()) this.send({ op: 'subscribe', ...topic });
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      let message: Update & { op?: string; reason?: string };
      try {
        message = JSON.parse(event.data) as Update & { op?: string; reason?: string };
      } catch {
        return;
      }
      if (message.op === 'error') this.onState('open', message.reason);
      if (message.op !== undefined) return;
      this.received[message.channel] = (this.received[message.channel] ?? 0) + 1;
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message);
    };
    socket.onclose = () => {
      this.onState('closed');
      this.socket = null;
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }

  on(channel: Topic['channel'], handler: (update: Update) => void): void {
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
  }

  subscribe(topic: Topic): void {
    const key = topicKey(topic);
    if (this.topics.has(key)) return;
    this.topics.set(key, topic);
    this.send({ op: 'subscribe', ...topic });
  }

  unsubscribe(topic: Topic): void {
    if (!this.topics.delete(topicKey(topic))) return;
    this.send({ op: 'unsubscribe', ...topic });
  }

  /** Queues a frame; frames go out at most FRAMES_PER_TICK every TICK_MS while the socket is open. */
  private send(message: object): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return; // sent again from `topics` on open
    this.queue.push(JSON.stringify(message));
    if (this.pump !== null) return;
    const flush = () => {
      const socket = this.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN || this.queue.length === 0) {
        if (this.pump !== null) clearInterval(this.pump);
        this.pump = null;
        return;
      }
      for (const frame of this.queue.splice(0, FRAMES_PER_TICK)) socket.send(frame);
    };
    this.pump = setInterval(flush, TICK_MS);
    flush();
  }
}
