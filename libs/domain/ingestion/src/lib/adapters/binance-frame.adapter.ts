import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import { FrameParseError } from '../frame-parse.error';
import { asRecord, millis, num, parseJson, positive, str } from '../frame-fields';
import { COMMA, FrameTextReader, LEFT_BRACE, RIGHT_BRACE, keyCode } from '../frame-text.reader';
import type { Instrument, InstrumentCatalog } from '../instrument-catalog';
import {
  CONTROL_FRAME,
  liquidationFrame,
  tradeFrame,
  type ParsedFrame,
  type VenueAdapter,
  tradeMessage,
} from '../venue-adapter';

const EVENT = keyCode('e');
const SYMBOL = keyCode('s');
const ID = keyCode('a');
const PRICE = keyCode('p');
const QUANTITY = keyCode('q');
const TIME = keyCode('T');
const MAKER = keyCode('m');
const STREAM = keyCode('stream');
const DATA = keyCode('data');

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
  private readonly reader = new FrameTextReader();

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
    const fast = this.readAggTrade(frame, recvTs);
    if (fast) return tradeFrame([fast]);
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
    return tradeMessage(
      instrument,
      String(id),
      price,
      size,
      record['m'] ? 'sell' : 'buy',
      millis(record, 'T'),
      recvTs,
    );
  }

  /**
   * An aggTrade frame read straight from its text (FrameTextReader), without JSON.parse (about half
   * the CPU of a trade otherwise): `{"e":"aggTrade","E":..,"s":"BTCUSDT","a":..,"p":"..","q":"..","f":..,"l":..,"T":..,"m":true}`
   * with `e` aggTrade, `s` a subscribed symbol, `a` and `T` JSON integers of at most 15 digits, `p`
   * and `q` plain positive decimals (strings), `m` true or false, keys in any order, other keys
   * (`E`, `f`, `l`, unknown ones) skipped. Anything else (another event, a combined-stream wrapper,
   * a repeated key, an escape, whitespace, a value the general path would read some other way or
   * reject) returns null and takes JSON.parse and the general path, so trades and errors are those
   * of the general path.
   */
  private readAggTrade(frame: string, recvTs: number): TradeMessage | null {
    const reader = this.reader;
    reader.reset(frame);
    if (!reader.take(LEFT_BRACE)) return null;
    let event = false;
    let instrument: Instrument | undefined;
    let id = -1;
    let price = -1;
    let size = -1;
    let time = -1;
    let maker = -1;
    do {
      switch (reader.key()) {
        case EVENT:
          if (event || !reader.string() || !reader.is('aggTrade')) return null;
          event = true;
          break;
        case SYMBOL:
          if (instrument || !reader.string()) return null;
          instrument = this.catalog.getIn(reader.text, reader.start, reader.end);
          if (!instrument) return null;
          break;
        case ID:
          if (id >= 0 || !reader.number()) return null;
          id = reader.integer();
          if (id < 0) return null;
          break;
        case PRICE:
          if (price >= 0 || !reader.string()) return null;
          price = reader.decimal();
          if (!(price > 0)) return null;
          break;
        case QUANTITY:
          if (size >= 0 || !reader.string()) return null;
          size = reader.decimal();
          if (!(size > 0)) return null;
          break;
        case TIME:
          if (time >= 0 || !reader.number()) return null;
          time = reader.integer();
          if (time < 0) return null;
          break;
        case MAKER:
          if (maker >= 0) return null;
          maker = reader.boolean();
          if (maker < 0) return null;
          break;
        case STREAM:
        case DATA:
        case -1:
          return null;
        default:
          if (!reader.skip()) return null;
      }
    } while (reader.take(COMMA));
    if (!reader.take(RIGHT_BRACE) || !reader.done()) return null;
    if (!event || !instrument || id < 0 || price < 0 || size < 0 || time < 0 || maker < 0) return null;
    return tradeMessage(instrument, String(id), price, size, maker === 1 ? 'sell' : 'buy', time, recvTs);
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
