import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import { FrameParseError } from '../frame-parse.error';
import { asRecord, millis, num, parseJson, positive, str } from '../frame-fields';
import type { Instrument, InstrumentCatalog } from '../instrument-catalog';
import {
  CONTROL_FRAME,
  liquidationFrame,
  tradeFrame,
  type ParsedFrame,
  type VenueAdapter,
} from '../venue-adapter';

/**
 * Binance USD-M futures market streams (`wss://fstream.binance.com/ws`):
 * - subscribe: `{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@forceOrder"],"id":1}`,
 *   answered `{"result":null,"id":1}`; an error answer carries `{"error":{"code","msg"},"id"}`
 * - aggTrade: `{"e":"aggTrade","E","s","a","p","q","f","l","T","m"}`; `a` is the aggregate trade id
 *   (consecutive per symbol), `m` true means the buyer was the maker, so the aggressor sold
 * - forceOrder: `{"e":"forceOrder","E","o":{"s","S","o","f","q","p","ap","X","l","z","T"}}`; `S` is the
 *   side of the forced order, so SELL closes a long; at most one per symbol per second (a snapshot)
 * - combined-stream frames `{"stream","data"}` are unwrapped; the server's heartbeat is a WebSocket
 *   ping control frame (answered by the socket with a pong), so there is no application heartbeat
 */
export class BinanceFrameAdapter implements VenueAdapter {
  readonly venue = 'binance' as const;
  readonly sequentialTradeIds = true;

  constructor(private readonly catalog: InstrumentCatalog) {}

  openingFrames(): string[] {
    const params = this.catalog.instruments.flatMap((instrument) => {
      const name = instrument.venueSymbol.toLowerCase();
      return [`${name}@aggTrade`, `${name}@forceOrder`];
    });
    return [JSON.stringify({ method: 'SUBSCRIBE', params, id: 1 })];
  }

  heartbeatFrame(): null {
    return null;
  }

  parse(frame: string, recvTs: number): ParsedFrame {
    let message = asRecord(parseJson(frame), 'frame');
    if (typeof message['stream'] === 'string' && message['data'] !== undefined)
      message = asRecord(message['data'], 'data');
    const event = message['e'];
    if (event === 'aggTrade') return tradeFrame([this.aggTrade(message, recvTs)]);
    if (event === 'forceOrder')
      return liquidationFrame([this.forceOrder(asRecord(message['o'], 'o'), recvTs)]);
    if ('id' in message && 'result' in message) return CONTROL_FRAME;
    if ('error' in message) {
      const error = asRecord(message['error'], 'error');
      throw new FrameParseError(`venue error ${String(error['code'])}: ${String(error['msg'])}`);
    }
    throw new FrameParseError(`unknown event ${JSON.stringify(event ?? null)}`);
  }

  /** One aggTrade as returned by the stream or by GET /fapi/v1/aggTrades (which lacks `s`). */
  aggTrade(record: Record<string, unknown>, recvTs: number, venueSymbol = str(record, 's')): TradeMessage {
    const instrument = this.instrument(venueSymbol);
    const price = positive(record, 'p');
    const size = positive(record, 'q');
    if (typeof record['m'] !== 'boolean') throw new FrameParseError('field m missing or not a boolean');
    const id = num(record, 'a');
    if (!Number.isInteger(id) || id < 0) throw new FrameParseError('field a is not an aggregate trade id');
    return {
      exchange: instrument.venue,
      market: instrument.market,
      symbol: instrument.symbol,
      base: instrument.base,
      quote: instrument.quote,
      venueSymbol: instrument.venueSymbol,
      tradeId: String(id),
      price,
      size,
      notionalUsd: price * size,
      side: record['m'] ? 'sell' : 'buy',
      ts: millis(record, 'T'),
      recvTs,
    };
  }

  private forceOrder(order: Record<string, unknown>, recvTs: number): LiquidationMessage {
    const instrument = this.instrument(str(order, 's'));
    const orderSide = str(order, 'S');
    if (orderSide !== 'BUY' && orderSide !== 'SELL')
      throw new FrameParseError(`field S is ${orderSide}, not BUY or SELL`);
    const filled = num(order, 'z');
    const size = filled > 0 ? filled : positive(order, 'q');
    const average = num(order, 'ap');
    // The average fill price when the order filled; otherwise the order's own price, which for a
    // liquidation order is the position's bankruptcy price.
    const price = average > 0 ? average : positive(order, 'p');
    const ts = millis(order, 'T');
    return {
      exchange: instrument.venue,
      market: instrument.market,
      symbol: instrument.symbol,
      base: instrument.base,
      quote: instrument.quote,
      venueSymbol: instrument.venueSymbol,
      eventId: `binance:${instrument.venueSymbol}:${ts}:${orderSide}:${str(order, filled > 0 ? 'z' : 'q')}`,
      positionSide: orderSide === 'SELL' ? 'long' : 'short',
      orderSide: orderSide === 'SELL' ? 'sell' : 'buy',
      price,
      priceKind: average > 0 ? 'average_fill' : 'bankruptcy',
      size,
      notionalUsd: price * size,
      completeness: 'sampled_1s',
      ts,
      recvTs,
    };
  }

  private instrument(venueSymbol: string): Instrument {
    const instrument = this.catalog.get(venueSymbol);
    if (!instrument) throw new FrameParseError(`symbol ${venueSymbol} is not subscribed`);
    return instrument;
  }
}
