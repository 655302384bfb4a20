import type { TradeMessage } from '@mdp/schemas';
import { FrameParseError } from '../frame-parse.error';
import { asArray, asRecord, millis, num, parseJson, positive, str } from '../frame-fields';
import type { InstrumentCatalog } from '../instrument-catalog';
import {
  CONTROL_FRAME,
  tradeFrame,
  type ParsedFrame,
  type VenueAdapter,
  tradeMessage,
} from '../venue-adapter';

/**
 * Hyperliquid (`wss://api.hyperliquid.xyz/ws`):
 * - subscribe per coin: `{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}`,
 *   answered `{"channel":"subscriptionResponse","data":{...}}`
 * - trades: `{"channel":"trades","data":[{"coin","side","px","sz","time","hash","tid","users"}]}`, `side`
 *   is the aggressor (`B` bid/buy, `A` ask/sell), `px` and `sz` decimal strings, `tid` the trade id
 * - heartbeat: the client sends `{"method":"ping"}` and the server answers `{"channel":"pong"}`; the
 *   server closes a connection that sent nothing for 60 s
 * Trade ids are not consecutive per coin, so id gaps cannot be told; disconnects are the gaps.
 * There is no public market-wide liquidation channel (liquidations are only visible in a user's own
 * fills), so this adapter emits no liquidations.
 */
export class HyperliquidFrameAdapter implements VenueAdapter {
  readonly venue = 'hyperliquid' as const;
  readonly sequentialTradeIds = false;

  constructor(private readonly catalog: InstrumentCatalog) {}

  openingFrames(): string[] {
    return this.catalog.instruments.map((instrument) =>
      JSON.stringify({ method: 'subscribe', subscription: { type: 'trades', coin: instrument.venueSymbol } }),
    );
  }

  heartbeatFrame(): string {
    return JSON.stringify({ method: 'ping' });
  }

  parse(frame: string, recvTs: number): ParsedFrame {
    const message = asRecord(parseJson(frame), 'frame');
    const channel = message['channel'];
    if (channel === 'trades') {
      const items = asArray(message['data'], 'data');
      const trades: TradeMessage[] = [];
      for (let i = 0; i < items.length; i++) trades.push(this.trade(asRecord(items[i], 'trade'), recvTs));
      return tradeFrame(trades);
    }
    if (channel === 'pong' || channel === 'subscriptionResponse') return CONTROL_FRAME;
    if (channel === 'error')
      throw new FrameParseError(`venue error: ${JSON.stringify(message['data'] ?? null)}`);
    throw new FrameParseError(`unknown channel ${JSON.stringify(channel ?? null)}`);
  }

  private trade(record: Record<string, unknown>, recvTs: number): TradeMessage {
    const coin = str(record, 'coin');
    const instrument = this.catalog.get(coin);
    if (!instrument) throw new FrameParseError(`coin ${coin} is not subscribed`);
    const side = record['side'];
    if (side !== 'B' && side !== 'A')
      throw new FrameParseError(`field side is ${JSON.stringify(side ?? null)}, not B or A`);
    const price = positive(record, 'px');
    const size = positive(record, 'sz');
    const tid = num(record, 'tid');
    if (!Number.isInteger(tid) || tid < 0) throw new FrameParseError('field tid is not a trade id');
    return tradeMessage(
      instrument,
      String(tid),
      price,
      size,
      side === 'B' ? 'buy' : 'sell',
      millis(record, 'time'),
      recvTs,
    );
  }
}
