import type { TradeMessage } from '@mdp/schemas';
import { FrameParseError } from '../frame-parse.error';
import { asArray, asRecord, millis, num, parseJson, positive, str } from '../frame-fields';
import { COMMA, FrameTextReader, LEFT_BRACE, RIGHT_BRACE, keyCode } from '../frame-text.reader';
import type { Instrument, InstrumentCatalog } from '../instrument-catalog';
import {
  CONTROL_FRAME,
  tradeFrame,
  type ParsedFrame,
  type VenueAdapter,
  tradeMessage,
} from '../venue-adapter';

const CHANNEL = keyCode('channel');
const COIN = keyCode('coin');
const SIDE = keyCode('side');
const PX = keyCode('px');
const SZ = keyCode('sz');
const TID = keyCode('tid');
const TIME = keyCode('time');

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
  private readonly reader = new FrameTextReader();

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
    const read = this.readTrades(frame, recvTs);
    if (read) return tradeFrame(read);
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

  /**
   * A trades frame read straight from its text (FrameTextReader), without JSON.parse:
   * `{"channel":"trades","data":[...]}` with `channel` before `data`, other keys anywhere and skipped,
   * each record with `coin` a subscribed coin, `side` B or A, `px` and `sz` plain positive decimals
   * (strings), `tid` and `time` JSON integers of at most 15 digits, keys in any order, other keys
   * skipped. Anything else (another channel or layout, a repeated key, an escape, whitespace, a
   * value the general path would read some other way or reject) returns null and takes JSON.parse
   * and the general path, so trades and errors are those of the general path.
   */
  private readTrades(frame: string, recvTs: number): TradeMessage[] | null {
    this.reader.reset(frame);
    return this.reader.envelope(CHANNEL, this.tradesTag, this.readTrade, recvTs);
  }

  /** The tag of a trades frame (bound: `FrameTextReader.envelope` calls it). */
  private readonly tradesTag = (): boolean => this.reader.string() && this.reader.is('trades');

  /** One trade record (bound: `FrameTextReader.list` calls it). */
  private readonly readTrade = (recvTs: number): TradeMessage | null => {
    const reader = this.reader;
    if (!reader.take(LEFT_BRACE)) return null;
    let instrument: Instrument | undefined;
    let side: TradeMessage['side'] | null = null;
    let price = -1;
    let size = -1;
    let tid = -1;
    let time = -1;
    do {
      switch (reader.key()) {
        case COIN:
          if (instrument || !reader.string()) return null;
          instrument = this.catalog.getIn(reader.text, reader.start, reader.end);
          if (!instrument) return null;
          break;
        case SIDE:
          if (side || !reader.string()) return null;
          if (reader.is('B')) side = 'buy';
          else if (reader.is('A')) side = 'sell';
          else return null;
          break;
        case PX:
          if (price >= 0 || !reader.string()) return null;
          price = reader.decimal();
          if (!(price > 0)) return null;
          break;
        case SZ:
          if (size >= 0 || !reader.string()) return null;
          size = reader.decimal();
          if (!(size > 0)) return null;
          break;
        case TID:
          if (tid >= 0 || !reader.number()) return null;
          tid = reader.integer();
          if (tid < 0) return null;
          break;
        case TIME:
          if (time >= 0 || !reader.number()) return null;
          time = reader.integer();
          if (time < 0) return null;
          break;
        case -1:
          return null;
        default:
          if (!reader.skip()) return null;
      }
    } while (reader.take(COMMA));
    if (!reader.take(RIGHT_BRACE) || !instrument || !side || price < 0 || size < 0 || tid < 0 || time < 0)
      return null;
    return tradeMessage(instrument, String(tid), price, size, side, time, recvTs);
  };
}
