import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import { FrameParseError } from '../frame-parse.error';
import { asArray, asRecord, millis, multiply, parseJson, positive, str } from '../frame-fields';
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

const ARG = keyCode('arg');
const CHANNEL = keyCode('channel');
const EVENT = keyCode('event');
const INSTRUMENT = keyCode('instId');
const TRADE_ID = keyCode('tradeId');
const PX = keyCode('px');
const SZ = keyCode('sz');
const SIDE = keyCode('side');
const TS = keyCode('ts');

/**
 * OKX v5 public channels (`wss://ws.okx.com:8443/ws/v5/public`):
 * - subscribe: `{"op":"subscribe","args":[{"channel":"trades","instId":"BTC-USDT-SWAP"},
 *   {"channel":"liquidation-orders","instType":"SWAP"}]}`; each arg is answered
 *   `{"event":"subscribe","arg":{...},"connId"}`, a failure `{"event":"error","code","msg"}`
 * - heartbeat: the client sends the text `ping` and the server answers the text `pong`; the server
 *   closes a connection silent for 30 s
 * - trades: `{"arg":{"channel":"trades","instId"},"data":[{"instId","tradeId","px","sz","side","ts","count"}]}`,
 *   `side` the taker side, `sz` in CONTRACTS for swaps (times the contract value ctVal gives base units);
 *   a push may aggregate `count` fills under one trade id, so ids do not tell gaps
 * - liquidation-orders subscribes by instrument TYPE (every swap of the venue arrives; instruments
 *   not in the catalog are dropped quietly): `{"arg":{"channel":"liquidation-orders","instType":"SWAP"},
 *   "data":[{"instId","instType","instFamily","uly","details":[{"bkPx","bkLoss","ccy","posSide","side","sz","ts"}]}]}`,
 *   `bkPx` the bankruptcy price, `posSide` the liquidated position (`long`/`short`; `net` in one-way
 *   mode, where the order side tells it), `side` the liquidation order side, `sz` in contracts
 */
export class OkxFrameAdapter implements VenueAdapter {
  readonly venue = 'okx' as const;
  readonly sequentialTradeIds = false;
  private readonly reader = new FrameTextReader();

  constructor(private readonly catalog: InstrumentCatalog) {}

  openingFrames(): string[] {
    const args: Array<Record<string, string>> = this.catalog.instruments.map((instrument) => ({
      channel: 'trades',
      instId: instrument.venueSymbol,
    }));
    args.push({ channel: 'liquidation-orders', instType: 'SWAP' });
    return [JSON.stringify({ op: 'subscribe', args })];
  }

  heartbeatFrame(): string {
    return 'ping';
  }

  parse(frame: string, recvTs: number): ParsedFrame {
    if (frame === 'pong') return CONTROL_FRAME;
    const read = this.readTrades(frame, recvTs);
    if (read) return tradeFrame(read);
    const message = asRecord(parseJson(frame), 'frame');
    if (typeof message['event'] === 'string') {
      if (message['event'] === 'error')
        throw new FrameParseError(`venue error ${String(message['code'])}: ${String(message['msg'])}`);
      return CONTROL_FRAME;
    }
    const channel = asRecord(message['arg'], 'arg')['channel'];
    const items = asArray(message['data'], 'data');
    if (channel === 'trades') {
      const trades: TradeMessage[] = [];
      for (let i = 0; i < items.length; i++) trades.push(this.trade(asRecord(items[i], 'trade'), recvTs));
      return tradeFrame(trades);
    }
    if (channel === 'liquidation-orders') {
      const liquidations: LiquidationMessage[] = [];
      for (const item of items) {
        const record = asRecord(item, 'liquidation');
        const instrument = this.catalog.get(str(record, 'instId'));
        if (!instrument) continue;
        for (const detail of asArray(record['details'], 'details')) {
          liquidations.push(this.liquidation(instrument, asRecord(detail, 'detail'), recvTs));
        }
      }
      return liquidationFrame(liquidations);
    }
    throw new FrameParseError(`unknown channel ${JSON.stringify(channel ?? null)}`);
  }

  private trade(record: Record<string, unknown>, recvTs: number): TradeMessage {
    const instrument = this.instrument(str(record, 'instId'));
    const price = positive(record, 'px');
    const size = multiply(positive(record, 'sz'), instrument.contractValue);
    const side = record['side'];
    if (side !== 'buy' && side !== 'sell')
      throw new FrameParseError(`field side is ${JSON.stringify(side ?? null)}`);
    return tradeMessage(instrument, str(record, 'tradeId'), price, size, side, millis(record, 'ts'), recvTs);
  }

  private liquidation(
    instrument: Instrument,
    detail: Record<string, unknown>,
    recvTs: number,
  ): LiquidationMessage {
    const side = detail['side'];
    const posSide = detail['posSide'];
    let positionSide: 'long' | 'short';
    if (posSide === 'long' || posSide === 'short') positionSide = posSide;
    else if (side === 'sell') positionSide = 'long';
    else if (side === 'buy') positionSide = 'short';
    else
      throw new FrameParseError(
        `neither posSide nor side tells the liquidated side (${JSON.stringify(posSide ?? null)}, ${JSON.stringify(side ?? null)})`,
      );
    const price = positive(detail, 'bkPx');
    const size = multiply(positive(detail, 'sz'), instrument.contractValue);
    const ts = millis(detail, 'ts');
    return {
      exchange: instrument.venue,
      market: instrument.market,
      symbol: instrument.symbol,
      base: instrument.base,
      quote: instrument.quote,
      venueSymbol: instrument.venueSymbol,
      eventId: `okx:${instrument.venueSymbol}:${ts}:${positionSide}:${str(detail, 'sz')}:${str(detail, 'bkPx')}`,
      positionSide,
      orderSide: positionSide === 'long' ? 'sell' : 'buy',
      price,
      priceKind: 'bankruptcy',
      size,
      notionalUsd: price * size,
      completeness: 'sampled_1s',
      ts,
      recvTs,
    };
  }

  private instrument(venueSymbol: string): Instrument {
    const instrument = this.catalog.get(venueSymbol);
    if (!instrument) throw new FrameParseError(`instrument ${venueSymbol} is not subscribed`);
    return instrument;
  }

  /**
   * A trades push read straight from its text (FrameTextReader), without JSON.parse: an object with
   * `arg` (an object whose `channel` is `trades`) before `data`, no `event`, other keys anywhere and
   * skipped, each record with `instId` a subscribed instrument, `tradeId` a non-empty string, `px`
   * and `sz` plain positive decimals and `ts` 1 to 15 digits (strings), `side` buy or sell, keys in
   * any order, other keys skipped. Anything else (another channel or layout, a repeated key, an
   * escape, whitespace, a value the general path would read some other way or reject) returns null
   * and takes JSON.parse and the general path, so trades and errors are those of the general path.
   */
  private readTrades(frame: string, recvTs: number): TradeMessage[] | null {
    this.reader.reset(frame);
    return this.reader.envelope(ARG, this.tradesTag, this.readTrade, recvTs, EVENT);
  }

  /** The tag of a trades frame (bound: `FrameTextReader.envelope` calls it). */
  private readonly tradesTag = (): boolean => this.readTradesArg();

  /** True after an `arg` object whose `channel` is `trades` (once); false for anything else. */
  private readTradesArg(): boolean {
    const reader = this.reader;
    if (!reader.take(LEFT_BRACE)) return false;
    let channel = false;
    do {
      const key = reader.key();
      if (key === CHANNEL) {
        if (channel || !reader.string() || !reader.is('trades')) return false;
        channel = true;
      } else if (key < 0 || !reader.skip()) return false;
    } while (reader.take(COMMA));
    return reader.take(RIGHT_BRACE) && channel;
  }

  /** One trade record (bound: `FrameTextReader.list` calls it). */
  private readonly readTrade = (recvTs: number): TradeMessage | null => {
    const reader = this.reader;
    if (!reader.take(LEFT_BRACE)) return null;
    let instrument: Instrument | undefined;
    let id: string | null = null;
    let price = -1;
    let contracts = -1;
    let side: TradeMessage['side'] | null = null;
    let ts = -1;
    do {
      switch (reader.key()) {
        case INSTRUMENT:
          if (instrument || !reader.string()) return null;
          instrument = this.catalog.getIn(reader.text, reader.start, reader.end);
          if (!instrument) return null;
          break;
        case TRADE_ID:
          if (id !== null || !reader.plainString() || reader.end === reader.start) return null;
          id = reader.copy();
          break;
        case PX:
          if (price >= 0 || !reader.string()) return null;
          price = reader.decimal();
          if (!(price > 0)) return null;
          break;
        case SZ:
          if (contracts >= 0 || !reader.string()) return null;
          contracts = reader.decimal();
          if (!(contracts > 0)) return null;
          break;
        case SIDE:
          if (side || !reader.string()) return null;
          if (reader.is('buy')) side = 'buy';
          else if (reader.is('sell')) side = 'sell';
          else return null;
          break;
        case TS:
          if (ts >= 0 || !reader.string()) return null;
          ts = reader.integer();
          if (ts < 0) return null;
          break;
        case -1:
          return null;
        default:
          if (!reader.skip()) return null;
      }
    } while (reader.take(COMMA));
    if (
      !reader.take(RIGHT_BRACE) ||
      !instrument ||
      id === null ||
      price < 0 ||
      contracts < 0 ||
      !side ||
      ts < 0
    )
      return null;
    return tradeMessage(
      instrument,
      id,
      price,
      multiply(contracts, instrument.contractValue),
      side,
      ts,
      recvTs,
    );
  };
}
