import type { Side, TickMessage, TradeMessage } from '@mdp/schemas';
import { FrameParseError } from '../frame-parse.error';
import { asArray, asRecord, parseJson, positive, str } from '../frame-fields';
import type { Instrument, InstrumentCatalog } from '../instrument-catalog';
import { emptyFrame, type ParsedFrame, type VenueAdapter, tradeMessage } from '../venue-adapter';

/**
 * Alpaca market data v2 (`wss://stream.data.alpaca.markets/v2/iex`, or `/v2/sip`). Every server
 * frame is a JSON array of messages `{"T": type, ...}`:
 * - on connect `[{"T":"success","msg":"connected"}]`, answered with
 *   `{"action":"auth","key","secret"}`; then `[{"T":"success","msg":"authenticated"}]`, answered with
 *   `{"action":"subscribe","trades":[...],"quotes":[...]}`; then `[{"T":"subscription",...}]`
 * - errors `[{"T":"error","code","msg"}]` (e.g. 402 auth failed, 406 connection limit exceeded)
 * - trade `{"T":"t","S","i","x","p","s","t","c","z"}`: `i` trade id, `x` exchange code, `p` price,
 *   `s` size in shares, `t` RFC 3339 time with nanoseconds
 * - quote `{"T":"q","S","bx","bp","bs","ax","ap","as","t","c","z"}`: bid/ask prices and sizes
 * The server pings at the WebSocket level; there is no application heartbeat.
 *
 * Stock prints carry no aggressor side, so the side is INFERRED (quote rule, then tick rule): at or
 * above the last ask is a buy, at or below the last bid a sell; inside the spread, above the mid is a
 * buy and below a sell; at the mid or without a quote, an uptick is a buy and a downtick a sell, and an
 * unchanged price repeats the previous side (buy when nothing is known).
 */
export class AlpacaFrameAdapter implements VenueAdapter {
  readonly venue = 'alpaca' as const;
  readonly sequentialTradeIds = false;
  private readonly quotes = new Map<string, { bid: number; ask: number }>();
  private readonly lastTrade = new Map<string, { price: number; side: Side }>();

  constructor(
    private readonly catalog: InstrumentCatalog,
    private readonly credentials: { keyId: string; secretKey: string },
  ) {}

  openingFrames(): string[] {
    return []; // the server speaks first ("connected"), then we authenticate
  }

  heartbeatFrame(): null {
    return null;
  }

  parse(frame: string, recvTs: number): ParsedFrame {
    const parsed = emptyFrame();
    for (const item of asArray(parseJson(frame), 'frame')) {
      const message = asRecord(item, 'message');
      switch (message['T']) {
        case 't':
          parsed.trades.push(this.trade(message, recvTs));
          break;
        case 'q': {
          const tick = this.quote(message, recvTs);
          if (tick) parsed.ticks.push(tick);
          break;
        }
        case 'success':
          if (message['msg'] === 'connected') {
            parsed.replies.push(
              JSON.stringify({
                action: 'auth',
                key: this.credentials.keyId,
                secret: this.credentials.secretKey,
              }),
            );
          } else if (message['msg'] === 'authenticated') {
            const symbols = this.catalog.instruments.map((instrument) => instrument.venueSymbol);
            parsed.replies.push(JSON.stringify({ action: 'subscribe', trades: symbols, quotes: symbols }));
          }
          break;
        case 'subscription':
        case 'b':
        case 'd':
        case 'u':
          break; // acknowledgements and bars: not events of ours
        case 'error':
          throw new FrameParseError(`venue error ${String(message['code'])}: ${String(message['msg'])}`);
        default:
          throw new FrameParseError(`unknown message type ${JSON.stringify(message['T'] ?? null)}`);
      }
    }
    return parsed;
  }

  private trade(record: Record<string, unknown>, recvTs: number): TradeMessage {
    const instrument = this.instrument(str(record, 'S'));
    const price = positive(record, 'p');
    const size = positive(record, 's');
    const side = this.inferSide(instrument.venueSymbol, price);
    this.lastTrade.set(instrument.venueSymbol, { price, side });
    return tradeMessage(
      instrument,
      `${str(record, 'x')}:${str(record, 'i')}`,
      price,
      size,
      side,
      rfc3339Millis(str(record, 't')),
      recvTs,
    );
  }

  private quote(record: Record<string, unknown>, recvTs: number): TickMessage | null {
    const instrument = this.instrument(str(record, 'S'));
    const bid = positive(record, 'bp');
    const ask = positive(record, 'ap');
    this.quotes.set(instrument.venueSymbol, { bid, ask });
    const last = this.lastTrade.get(instrument.venueSymbol)?.price ?? (bid + ask) / 2;
    return {
      exchange: instrument.venue,
      market: instrument.market,
      symbol: instrument.symbol,
      base: instrument.base,
      quote: instrument.quote,
      venueSymbol: instrument.venueSymbol,
      last,
      bid,
      ask,
      bidSize: positive(record, 'bs'),
      askSize: positive(record, 'as'),
      ts: rfc3339Millis(str(record, 't')),
      recvTs,
    };
  }

  private inferSide(symbol: string, price: number): Side {
    const quote = this.quotes.get(symbol);
    if (quote && quote.ask > quote.bid) {
      if (price >= quote.ask) return 'buy';
      if (price <= quote.bid) return 'sell';
      const mid = (quote.bid + quote.ask) / 2;
      if (price > mid) return 'buy';
      if (price < mid) return 'sell';
    }
    const previous = this.lastTrade.get(symbol);
    if (!previous) return 'buy';
    if (price > previous.price) return 'buy';
    if (price < previous.price) return 'sell';
    return previous.side;
  }

  private instrument(venueSymbol: string): Instrument {
    const instrument = this.catalog.get(venueSymbol);
    if (!instrument) throw new FrameParseError(`symbol ${venueSymbol} is not subscribed`);
    return instrument;
  }
}

/** RFC 3339 with up to nanoseconds (`2021-02-22T15:51:44.208123456Z`) to epoch milliseconds. */
function rfc3339Millis(text: string): number {
  const trimmed = text.replace(/(\.\d{3})\d+/, '$1');
  const value = Date.parse(trimmed);
  if (!Number.isFinite(value)) throw new FrameParseError(`time ${text} is not RFC 3339`);
  return value;
}
