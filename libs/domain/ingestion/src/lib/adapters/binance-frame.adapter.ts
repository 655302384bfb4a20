import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import { FrameParseError } from '../frame-parse.error';
import { asRecord, millis, num, parseJson, plainDecimal, positive, str } from '../frame-fields';
import type { Instrument, InstrumentCatalog } from '../instrument-catalog';
import {
  CONTROL_FRAME,
  liquidationFrame,
  tradeFrame,
  type ParsedFrame,
  type VenueAdapter,
  tradeMessage,
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
    const fast = this.plainAggTrade(frame, recvTs);
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
   * The stream's aggTrade frame read straight from its text, without JSON.parse (about half the CPU
   * of a trade otherwise), when the frame is exactly the documented layout
   * `{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1.5","q":"0.1","f":1,"l":1,"T":1,"m":true}`: keys in
   * that order, no whitespace, numbers as plain digits (no leading zero, as JSON requires), `s` of
   * letters and digits, `p` and `q` plain positive decimals, `a` and `T` of at most 15 digits, the
   * symbol subscribed. Such a frame is valid JSON that the general path reads to the same trade;
   * anything else (another event, another layout, a field the general path rejects) returns null and
   * takes the general path, so results and errors are those of JSON.parse.
   */
  private plainAggTrade(frame: string, recvTs: number): TradeMessage | null {
    if (!textAt(frame, 0, '{"e":"aggTrade","E":')) return null;
    let at = skipJsonDigits(frame, 20);
    if (at < 0 || !textAt(frame, at, ',"s":"')) return null;
    const symbolStart = at + 6;
    at = symbolStart;
    for (let code = frame.charCodeAt(at); isUpperOrDigit(code); code = frame.charCodeAt(++at));
    if (at === symbolStart || !textAt(frame, at, '","a":')) return null;
    const instrument = this.catalog.get(frame.slice(symbolStart, at));
    if (!instrument) return null;
    const idStart = at + 6;
    at = skipJsonDigits(frame, idStart);
    if (at < 0 || at - idStart > 15 || !textAt(frame, at, ',"p":"')) return null;
    const id = Number(frame.slice(idStart, at));
    const priceStart = at + 6;
    at = frame.indexOf('"', priceStart);
    if (at < 0) return null;
    const price = plainDecimal(frame.slice(priceStart, at));
    if (!(price > 0) || !textAt(frame, at, '","q":"')) return null;
    const sizeStart = at + 7;
    at = frame.indexOf('"', sizeStart);
    if (at < 0) return null;
    const size = plainDecimal(frame.slice(sizeStart, at));
    if (!(size > 0) || !textAt(frame, at, '","f":')) return null;
    at = skipJsonDigits(frame, at + 6);
    if (at < 0 || !textAt(frame, at, ',"l":')) return null;
    at = skipJsonDigits(frame, at + 5);
    if (at < 0 || !textAt(frame, at, ',"T":')) return null;
    const tsStart = at + 5;
    at = skipJsonDigits(frame, tsStart);
    if (at < 0 || at - tsStart > 15 || !textAt(frame, at, ',"m":')) return null;
    const ts = Number(frame.slice(tsStart, at));
    at += 5;
    let maker: boolean;
    if (textAt(frame, at, 'true}') && at + 5 === frame.length) maker = true;
    else if (textAt(frame, at, 'false}') && at + 6 === frame.length) maker = false;
    else return null;
    return tradeMessage(instrument, String(id), price, size, maker ? 'sell' : 'buy', ts, recvTs);
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

/** The end of a JSON unsigned integer starting at `from` (one digit, or digits not led by 0), or -1. */
function skipJsonDigits(text: string, from: number): number {
  const first = text.charCodeAt(from);
  if (first === 48) return from + 1;
  if (!(first > 48 && first <= 57)) return -1;
  let at = from + 1;
  for (let code = text.charCodeAt(at); code >= 48 && code <= 57; code = text.charCodeAt(++at));
  return at;
}

function isUpperOrDigit(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 48 && code <= 57);
}

/** True when `text` holds `literal` at `at` (a loop of char codes: cheaper here than startsWith with a position). */
function textAt(text: string, at: number, literal: string): boolean {
  if (at + literal.length > text.length) return false;
  for (let i = 0; i < literal.length; i++)
    if (text.charCodeAt(at + i) !== literal.charCodeAt(i)) return false;
  return true;
}
