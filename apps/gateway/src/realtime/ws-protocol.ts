import { FLOW_WINDOWS, SYMBOL_PATTERN, type FlowWindow } from '@mdp/schemas';

/** The channels a WebSocket client can subscribe to. */
export const WS_CHANNELS = ['tokens', 'flow', 'signals', 'liquidations'] as const;
export type WsChannel = (typeof WS_CHANNELS)[number];

export const WS_OPS = ['subscribe', 'unsubscribe', 'ping'] as const;

/** `symbol: "*"`: every symbol of the channel. */
export const ALL_SYMBOLS = '*';

/** What one subscription is to: a token, a coin's flow window, or a symbol's signals / liquidations. */
export type WsTopic =
  | { channel: 'tokens'; tokenId: number }
  | { channel: 'flow'; coin: string; timeWindow: FlowWindow }
  | { channel: 'signals'; symbol: string }
  | { channel: 'liquidations'; symbol: string };

export type WsRequestId = string | number;

export type WsClientMessage =
  { op: 'subscribe' | 'unsubscribe'; topic: WsTopic; id?: WsRequestId } | { op: 'ping'; id?: WsRequestId };

export type WsParseResult =
  { ok: true; message: WsClientMessage } | { ok: false; reason: string; id?: WsRequestId };

const MAX_TOKEN_ID = 2 ** 31 - 1;
const FIELDS: Record<WsChannel, readonly string[]> = {
  tokens: ['tokenId'],
  flow: ['coin', 'timeWindow'],
  signals: ['symbol'],
  liquidations: ['symbol'],
};

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function list(values: readonly string[]): string {
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

/**
 * Parses and validates one client frame. Every problem gets a reason that names the field and what
 * is expected; unknown fields are refused (as the REST API refuses them).
 */
export function parseClientMessage(text: string): WsParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, reason: `a message must be a JSON object, got ${show(value)}` };
  const message = value as Record<string, unknown>;
  let id: WsRequestId | undefined;
  if (message['id'] !== undefined) {
    const raw = message['id'];
    if (!((typeof raw === 'string' && raw.length <= 64) || (typeof raw === 'number' && Number.isFinite(raw))))
      return { ok: false, reason: 'id must be a string of at most 64 characters or a number' };
    id = raw;
  }
  const fail = (reason: string): WsParseResult =>
    id === undefined ? { ok: false, reason } : { ok: false, reason, id };
  const op = message['op'];
  if (op === 'ping') {
    const extra = Object.keys(message).find((field) => field !== 'op' && field !== 'id');
    if (extra !== undefined) return fail(`unknown field "${extra}" for op "ping"`);
    return { ok: true, message: id === undefined ? { op } : { op, id } };
  }
  if (op !== 'subscribe' && op !== 'unsubscribe')
    return fail(`unknown op ${show(op)}: expected ${list(WS_OPS)}`);
  const channel = message['channel'];
  if (typeof channel !== 'string' || !(WS_CHANNELS as readonly string[]).includes(channel))
    return fail(`unknown channel ${show(channel)}: expected ${list(WS_CHANNELS)}`);
  const allowed = FIELDS[channel as WsChannel];
  const extra = Object.keys(message).find(
    (field) => field !== 'op' && field !== 'id' && field !== 'channel' && !allowed.includes(field),
  );
  if (extra !== undefined)
    return fail(`unknown field "${extra}" for channel "${channel}": it takes ${allowed.join(' and ')}`);
  let topic: WsTopic;
  switch (channel as WsChannel) {
    case 'tokens': {
      const tokenId = message['tokenId'];
      if (typeof tokenId !== 'number' || !Number.isInteger(tokenId) || tokenId < 1 || tokenId > MAX_TOKEN_ID)
        return fail(`tokenId must be an integer from 1 to ${MAX_TOKEN_ID}, got ${show(tokenId)}`);
      topic = { channel: 'tokens', tokenId };
      break;
    }
    case 'flow': {
      const coin = message['coin'];
      if (typeof coin !== 'string' || !SYMBOL_PATTERN.test(coin))
        return fail(`coin must be a symbol such as "BTC" (upper case, ${SYMBOL_PATTERN}), got ${show(coin)}`);
      const timeWindow = message['timeWindow'];
      if (typeof timeWindow !== 'string' || !(FLOW_WINDOWS as readonly string[]).includes(timeWindow))
        return fail(`timeWindow must be one of ${list(FLOW_WINDOWS)}, got ${show(timeWindow)}`);
      topic = { channel: 'flow', coin, timeWindow: timeWindow as FlowWindow };
      break;
    }
    case 'signals':
    case 'liquidations': {
      const symbol = message['symbol'];
      if (typeof symbol !== 'string' || (symbol !== ALL_SYMBOLS && !SYMBOL_PATTERN.test(symbol)))
        return fail(
          `symbol must be a symbol such as "BTC" or "BTC-USDT" (upper case), or "*" for all, got ${show(symbol)}`,
        );
      topic = { channel: channel as 'signals' | 'liquidations', symbol };
      break;
    }
  }
  return { ok: true, message: id === undefined ? { op, topic } : { op, topic, id } };
}

/** A key that identifies a topic within one connection (`tokens:1`, `flow:BTC:5m`, `signals:*`). */
export function topicKey(topic: WsTopic): string {
  switch (topic.channel) {
    case 'tokens':
      return `tokens:${topic.tokenId}`;
    case 'flow':
      return `flow:${topic.coin}:${topic.timeWindow}`;
    case 'signals':
    case 'liquidations':
      return `${topic.channel}:${topic.symbol}`;
  }
}

/** A reply naming its topic: `{"op":"subscribed","channel":"tokens","tokenId":1}`. */
export function topicReply(op: string, topic: WsTopic, id: WsRequestId | undefined): string {
  const reply: Record<string, unknown> = { op };
  reply['channel'] = topic.channel;
  if (topic.channel === 'tokens') reply['tokenId'] = topic.tokenId;
  else if (topic.channel === 'flow') {
    reply['coin'] = topic.coin;
    reply['timeWindow'] = topic.timeWindow;
  } else reply['symbol'] = topic.symbol;
  if (id !== undefined) reply['id'] = id;
  return JSON.stringify(reply);
}

export function errorReply(reason: string, id?: WsRequestId): string {
  return JSON.stringify(id === undefined ? { op: 'error', reason } : { op: 'error', reason, id });
}

/**
 * Symbols under which an event of `symbol` is delivered: the symbol itself (`BTC-USDT`), its base
 * (`BTC`) when given or derived from `BASE-QUOTE`, and `*`.
 */
export function deliverySymbols(symbol: string, base?: string): string[] {
  const dash = symbol.indexOf('-');
  const derived = base ?? (dash > 0 ? symbol.slice(0, dash) : symbol);
  return derived === symbol ? [symbol, ALL_SYMBOLS] : [symbol, derived, ALL_SYMBOLS];
}
