import type { FlowSnapshotNoticeMessage, LiquidationMessage, TokenUpdateMessage } from '@mdp/schemas';
import type { WsConnection } from './ws-connection';
import { deliverySymbols, type WsChannel, type WsTopic } from './ws-protocol';

type Index<K> = Map<K, Set<WsConnection>>;

function addTo<K>(index: Index<K>, key: K, connection: WsConnection): void {
  const set = index.get(key);
  if (set) set.add(connection);
  else index.set(key, new Set([connection]));
}

function removeFrom<K>(index: Index<K>, key: K, connection: WsConnection): void {
  const set = index.get(key);
  if (set?.delete(connection) && set.size === 0) index.delete(key);
}

/**
 * Which connections want which update, and the fan-out: each update is serialized once and the same
 * text goes to every subscriber (the per-connection bounds apply in WsConnection.sendUpdate).
 * Signals and liquidations subscribed by base (`BTC`), canonical symbol (`BTC-USDT`) or `*` reach
 * each connection once.
 */
export class WsUpdateRouter {
  private readonly tokens: Index<number> = new Map();
  private readonly flow: Index<string> = new Map();
  private readonly signals: Index<string> = new Map();
  private readonly liquidations: Index<string> = new Map();
  private readonly counts: Record<WsChannel, number> = { tokens: 0, flow: 0, signals: 0, liquidations: 0 };

  /** Subscriptions held on `channel` by all connections. */
  count(channel: WsChannel): number {
    return this.counts[channel];
  }

  add(connection: WsConnection, topic: WsTopic): void {
    this.counts[topic.channel] += 1;
    switch (topic.channel) {
      case 'tokens':
        return addTo(this.tokens, topic.tokenId, connection);
      case 'flow':
        return addTo(this.flow, `${topic.coin}:${topic.timeWindow}`, connection);
      case 'signals':
        return addTo(this.signals, topic.symbol, connection);
      case 'liquidations':
        return addTo(this.liquidations, topic.symbol, connection);
    }
  }

  remove(connection: WsConnection, topic: WsTopic): void {
    this.counts[topic.channel] -= 1;
    switch (topic.channel) {
      case 'tokens':
        return removeFrom(this.tokens, topic.tokenId, connection);
      case 'flow':
        return removeFrom(this.flow, `${topic.coin}:${topic.timeWindow}`, connection);
      case 'signals':
        return removeFrom(this.signals, topic.symbol, connection);
      case 'liquidations':
        return removeFrom(this.liquidations, topic.symbol, connection);
    }
  }

  /** Every connection holding a subscription on `channel` (for gap notices). */
  connectionsOn(channel: WsChannel): Set<WsConnection> {
    const index: Index<unknown> =
      channel === 'tokens'
        ? this.tokens
        : channel === 'flow'
          ? this.flow
          : channel === 'signals'
            ? this.signals
            : this.liquidations;
    const all = new Set<WsConnection>();
    for (const set of index.values()) for (const connection of set) all.add(connection);
    return all;
  }

  deliverTokens(events: readonly object[]): void {
    const now = Date.now();
    for (const event of events) {
      const update = event as TokenUpdateMessage;
      const subscribers = this.tokens.get(update.tokenId);
      if (!subscribers) continue;
      const text = `{"channel":"tokens","tokenId":${update.tokenId},"data":${JSON.stringify(update)}}`;
      for (const connection of subscribers) connection.sendUpdate(text, now);
    }
  }

  deliverFlow(events: readonly object[]): void {
    const now = Date.now();
    for (const event of events) {
      const notice = event as FlowSnapshotNoticeMessage;
      const subscribers = this.flow.get(`${notice.coin}:${notice.timeWindow}`);
      if (!subscribers) continue;
      const text = `{"channel":"flow","coin":${JSON.stringify(notice.coin)},"timeWindow":"${notice.timeWindow}","data":${JSON.stringify(notice)}}`;
      for (const connection of subscribers) connection.sendUpdate(text, now);
    }
  }

  deliverLiquidations(events: readonly object[]): void {
    for (const event of events) {
      const liquidation = event as LiquidationMessage;
      this.deliverBySymbol(this.liquidations, 'liquidations', liquidation.symbol, liquidation.base, () =>
        JSON.stringify(liquidation),
      );
    }
  }

  /** `json` is the signal as published (checked by the caller), sent as it is. */
  deliverSignal(symbol: string, json: string): void {
    this.deliverBySymbol(this.signals, 'signals', symbol, undefined, () => json);
  }

  private deliverBySymbol(
    index: Index<string>,
    channel: 'signals' | 'liquidations',
    symbol: string,
    base: string | undefined,
    data: () => string,
  ): void {
    const keys = deliverySymbols(symbol, base);
    let text: string | null = null;
    let sent: Set<WsConnection> | null = null;
    let matched = 0;
    for (const key of keys) if (index.has(key)) matched += 1;
    if (matched === 0) return;
    const now = Date.now();
    for (const key of keys) {
      const subscribers = index.get(key);
      if (!subscribers) continue;
      text ??= `{"channel":"${channel}","symbol":${JSON.stringify(symbol)},"data":${data()}}`;
      for (const connection of subscribers) {
        if (matched > 1) {
          sent ??= new Set();
          if (sent.has(connection)) continue;
          sent.add(connection);
        }
        connection.sendUpdate(text, now);
      }
    }
  }
}
