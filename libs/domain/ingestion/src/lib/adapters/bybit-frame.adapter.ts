import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import { FrameParseError } from '../frame-parse.error';
import { asArray, asRecord, millis, parseJson, positive, str } from '../frame-fields';
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

const TOPIC = keyCode('topic');
const TIME = keyCode('T');
const SYMBOL = keyCode('s');
const SIDE = keyCode('S');
const SIZE = keyCode('v');
const PRICE = keyCode('p');
const ID = keyCode('i');

/**
 * Bybit v5 public linear stream (`wss://stream.bybit.com/v5/public/linear`):
 * - subscribe: `{"op":"subscribe","args":["publicTrade.BTCUSDT","allLiquidation.BTCUSDT"]}`, answered
 *   `{"success":true,"ret_msg":"","op":"subscribe",...}` (`success:false` with the reason on error)
 * - heartbeat: the client sends `{"op":"ping"}` every 20 s; the answer is
 *   `{"success":true,"ret_msg":"pong","op":"ping",...}`
 * - publicTrade: `{"topic","type":"snapshot","ts","data":[{"T","s","S","v","p","L","i","BT"}]}`, `S` the
 *   taker side (`Buy`/`Sell`), `v` size in base coin, `i` a trade id (a UUID: no gap detection)
 * - allLiquidation: `{"topic","type":"snapshot","ts","data":[{"T","s","S","v","p"}]}`, pushed every
 *   500 ms; `S` is the side of the liquidated POSITION (`Buy` = a long was liquidated) and `p` the
 *   bankruptcy price
 */
export class BybitFrameAdapter implements VenueAdapter {
  readonly venue = 'bybit' as const;
  readonly sequentialTradeIds = false;
  private readonly reader = new FrameTextReader();

  constructor(private readonly catalog: InstrumentCatalog) {}

  openingFrames(): string[] {
    const args = this.catalog.instruments.flatMap((instrument) => [
      `publicTrade.${instrument.venueSymbol}`,
      `allLiquidation.${instrument.venueSymbol}`,
    ]);
    return [JSON.stringify({ op: 'subscribe', args })];
  }

  heartbeatFrame(): string {
    return JSON.stringify({ op: 'ping' });
  }

  parse(frame: string, recvTs: number): ParsedFrame {
    const read = this.readTrades(frame, recvTs);
    if (read) return tradeFrame(read);
    const message = asRecord(parseJson(frame), 'frame');
    const topic = message['topic'];
    if (typeof topic === 'string') {
      const items = asArray(message['data'], 'data');
      if (topic.startsWith('publicTrade.')) {
        const trades: TradeMessage[] = [];
        for (let i = 0; i < items.length; i++) trades.push(this.trade(asRecord(items[i], 'trade'), recvTs));
        return tradeFrame(trades);
      }
      if (topic.startsWith('allLiquidation.')) {
        const liquidations: LiquidationMessage[] = [];
        for (let i = 0; i < items.length; i++)
          liquidations.push(this.liquidation(asRecord(items[i], 'liquidation'), recvTs));
        return liquidationFrame(liquidations);
      }
      throw new FrameParseError(`unknown topic ${topic}`);
    }
    if (typeof message['op'] === 'string') {
      if (message['success'] === false)
        throw new FrameParseError(`venue error on ${message['op']}: ${String(message['ret_msg'])}`);
      return CONTROL_FRAME;
    }
    throw new FrameParseError('neither a topic push nor an op answer');
  }

  private trade(record: Record<string, unknown>, recvTs: number): TradeMessage {
    const instrument = this.instrument(str(record, 's'));
    const price = positive(record, 'p');
    const size = positive(record, 'v');
    return tradeMessage(
      instrument,
      str(record, 'i'),
      price,
      size,
      this.side(record),
      millis(record, 'T'),
      recvTs,
    );
  }

  private liquidation(record: Record<string, unknown>, recvTs: number): LiquidationMessage {
    const instrument = this.instrument(str(record, 's'));
    const positionSide = this.side(record) === 'buy' ? 'long' : 'short';
    const price = positive(record, 'p');
    const size = positive(record, 'v');
    const ts = millis(record, 'T');
    return {
      exchange: instrument.venue,
      market: instrument.market,
      symbol: instrument.symbol,
      base: instrument.base,
      quote: instrument.quote,
      venueSymbol: instrument.venueSymbol,
      eventId: `bybit:${instrument.venueSymbol}:${ts}:${str(record, 'S')}:${str(record, 'v')}:${str(record, 'p')}`,
      positionSide,
      orderSide: positionSide === 'long' ? 'sell' : 'buy',
      price,
      priceKind: 'bankruptcy',
      size,
      notionalUsd: price * size,
      completeness: 'batched_500ms',
      ts,
      recvTs,
    };
  }

  private side(record: Record<string, unknown>): 'buy' | 'sell' {
    const side = record['S'];
    if (side === 'Buy') return 'buy';
    if (side === 'Sell') return 'sell';
    throw new FrameParseError(`field S is ${JSON.stringify(side ?? null)}, not Buy or Sell`);
  }

  private instrument(venueSymbol: string): Instrument {
    const instrument = this.catalog.get(venueSymbol);
    if (!instrument) throw new FrameParseError(`symbol ${venueSymbol} is not subscribed`);
    return instrument;
  }

  /**
   * A publicTrade frame read straight from its text (FrameTextReader), without JSON.parse: an object
   * with `topic` (`publicTrade.` and a symbol) before `data`, other keys anywhere and skipped, each
   * record with `T` a JSON integer of at most 15 digits, `s` a subscribed symbol, `S` Buy or Sell,
   * `v` and `p` plain positive decimals (strings), `i` a non-empty string, keys in any order, other
   * keys skipped. Anything else (another topic or layout, a repeated key, an escape, whitespace, a
   * value the general path would read some other way or reject) returns null and takes JSON.parse
   * and the general path, so trades and errors are those of the general path.
   */
  private readTrades(frame: string, recvTs: number): TradeMessage[] | null {
    this.reader.reset(frame);
    return this.reader.envelope(TOPIC, this.tradesTag, this.readTrade, recvTs);
  }

  /** The tag of a trades frame (bound: `FrameTextReader.envelope` calls it). */
  private readonly tradesTag = (): boolean =>
    this.reader.plainString() && this.reader.startsWith('publicTrade.');

  /** One trade record (bound: `FrameTextReader.list` calls it). */
  private readonly readTrade = (recvTs: number): TradeMessage | null => {
    const reader = this.reader;
    if (!reader.take(LEFT_BRACE)) return null;
    let instrument: Instrument | undefined;
    let side: TradeMessage['side'] | null = null;
    let price = -1;
    let size = -1;
    let id: string | null = null;
    let time = -1;
    do {
      switch (reader.key()) {
        case TIME:
          if (time >= 0 || !reader.number()) return null;
          time = reader.integer();
          if (time < 0) return null;
          break;
        case SYMBOL:
          if (instrument || !reader.string()) return null;
          instrument = this.catalog.getIn(reader.text, reader.start, reader.end);
          if (!instrument) return null;
          break;
        case SIDE:
          if (side || !reader.string()) return null;
          if (reader.is('Buy')) side = 'buy';
          else if (reader.is('Sell')) side = 'sell';
          else return null;
          break;
        case SIZE:
          if (size >= 0 || !reader.string()) return null;
          size = reader.decimal();
          if (!(size > 0)) return null;
          break;
        case PRICE:
          if (price >= 0 || !reader.string()) return null;
          price = reader.decimal();
          if (!(price > 0)) return null;
          break;
        case ID:
          if (id !== null || !reader.plainString() || reader.end === reader.start) return null;
          id = reader.copy();
          break;
        case -1:
          return null;
        default:
          if (!reader.skip()) return null;
      }
    } while (reader.take(COMMA));
    if (!reader.take(RIGHT_BRACE) || !instrument || !side || price < 0 || size < 0 || id === null || time < 0)
      return null;
    return tradeMessage(instrument, id, price, size, side, time, recvTs);
  };
}
