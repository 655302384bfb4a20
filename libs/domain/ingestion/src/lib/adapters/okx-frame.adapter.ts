import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import { FrameParseError } from '../frame-parse.error';
import { asArray, asRecord, millis, multiply, parseJson, positive, str } from '../frame-fields';
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
}
