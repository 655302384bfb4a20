import type { LiquidationMessage, Side, TradeMessage } from '@mdp/schemas';
import { InstrumentCatalog, type Instrument } from './instrument-catalog';
import { SeededRandom } from './seeded-random';

export interface SyntheticMarketOptions {
  seed: number;
  /** Time of the first event, epoch ms; the generator keeps its own clock from there. */
  startTs: number;
  /** Base assets, e.g. BTC, ETH, HYPE. */
  bases: readonly string[];
  /** Mean trades per second over all symbols in calm periods (bursts run about 8x faster). */
  tradesPerSecond: number;
}

export type SyntheticEvent =
  { kind: 'trade'; trade: TradeMessage } | { kind: 'liquidation'; liquidation: LiquidationMessage };

const START_PRICES: Readonly<Record<string, number>> = { BTC: 65_000, ETH: 3_500, HYPE: 25, SOL: 150 };
const TYPICAL_NOTIONAL_USD = 400;
const WHALE_PROBABILITY = 0.01;
const BURST_PROBABILITY = 0.002;
const CASCADE_PROBABILITY = 0.0008;

interface SymbolState {
  instrument: Instrument;
  price: number;
  volatility: number;
  nextTradeId: number;
  nextLiquidationId: number;
}

/**
 * A deterministic synthetic market (exchange `synthetic`): per-symbol geometric random-walk prices,
 * Pareto (heavy-tailed) trade sizes with occasional whales (x20..x100), bursts of fast one-sided
 * trading, and liquidation cascades (a run of forced orders on one side, each pushing the price
 * further and dragging aggressive trades with it). The same options give the same events.
 */
export class SyntheticMarketGenerator {
  private readonly random: SeededRandom;
  private readonly symbols: SymbolState[];
  private clock: number;
  private burstLeft = 0;
  private burstSide: Side = 'buy';
  private readonly queued: SyntheticEvent[] = [];

  constructor(private readonly options: SyntheticMarketOptions) {
    if (options.bases.length === 0) throw new Error('the generator needs at least one base asset');
    if (!(options.tradesPerSecond > 0)) throw new Error('tradesPerSecond must be positive');
    this.random = new SeededRandom(options.seed);
    this.clock = options.startTs;
    this.symbols = InstrumentCatalog.forVenue('synthetic', options.bases).instruments.map((instrument) => ({
      instrument,
      price: START_PRICES[instrument.base] ?? 100,
      // About 2% per hour whatever the rate: the per-trade step shrinks as trades get more frequent.
      volatility: 0.02 / Math.sqrt(options.tradesPerSecond * 3600),
      nextTradeId: 1,
      nextLiquidationId: 1,
    }));
  }

  /** Time of the next event (epoch ms) without consuming it. */
  peekTs(): number {
    const event = this.peek();
    return event.kind === 'trade' ? event.trade.ts : event.liquidation.ts;
  }

  next(): SyntheticEvent {
    const event = this.peek();
    this.queued.shift();
    return event;
  }

  take(count: number): SyntheticEvent[] {
    return Array.from({ length: count }, () => this.next());
  }

  private peek(): SyntheticEvent {
    if (this.queued.length === 0) this.step();
    return this.queued[0]!;
  }

  private step(): void {
    const meanGapMs = 1000 / this.options.tradesPerSecond / (this.burstLeft > 0 ? 8 : 1);
    this.clock += this.random.exponential(meanGapMs);
    const state = this.random.pick(this.symbols);
    if (this.burstLeft === 0 && this.random.next() < BURST_PROBABILITY) {
      this.burstLeft = 50 + Math.floor(this.random.next() * 250);
      this.burstSide = this.random.next() < 0.5 ? 'buy' : 'sell';
    }
    if (this.random.next() < CASCADE_PROBABILITY) {
      this.cascade(state);
      return;
    }
    let side: Side;
    if (this.burstLeft > 0) {
      this.burstLeft -= 1;
      side = this.random.next() < 0.8 ? this.burstSide : opposite(this.burstSide);
    } else {
      side = this.random.next() < 0.5 ? 'buy' : 'sell';
    }
    const drift = (side === 'buy' ? 1 : -1) * state.volatility * 0.3;
    this.move(state, drift + state.volatility * this.random.normal());
    this.queued.push({ kind: 'trade', trade: this.trade(state, side, this.size(state)) });
  }

  /** A liquidation cascade: positions on one side liquidated in a run, the price pushed each time. */
  private cascade(state: SymbolState): void {
    const positionSide = this.random.next() < 0.5 ? 'long' : 'short';
    const orderSide: Side = positionSide === 'long' ? 'sell' : 'buy';
    const direction = positionSide === 'long' ? -1 : 1;
    const length = 5 + Math.floor(this.random.next() * 25);
    let ts = this.clock;
    for (let i = 0; i < length; i++) {
      ts += this.random.exponential(40);
      this.move(state, direction * (0.0001 + this.random.next() * 0.0007));
      const price = state.price;
      const size = round(this.random.pareto((5 * TYPICAL_NOTIONAL_USD) / price, 1.2), 6);
      const liquidation: LiquidationMessage = {
        exchange: state.instrument.venue,
        market: state.instrument.market,
        symbol: state.instrument.symbol,
        base: state.instrument.base,
        quote: state.instrument.quote,
        venueSymbol: state.instrument.venueSymbol,
        eventId: `synthetic:${state.instrument.venueSymbol}:${state.nextLiquidationId++}`,
        positionSide,
        orderSide,
        price,
        priceKind: 'fill',
        size,
        notionalUsd: price * size,
        completeness: 'complete',
        ts: Math.floor(ts),
        recvTs: Math.floor(ts),
      };
      this.queued.push({ kind: 'liquidation', liquidation });
      // The forced order sweeps the book: aggressive trades on the same side follow it.
      const followers = 1 + Math.floor(this.random.next() * 3);
      for (let j = 0; j < followers; j++) {
        ts += this.random.exponential(5);
        const trade = this.trade(state, orderSide, this.size(state));
        trade.ts = trade.recvTs = Math.floor(ts);
        this.queued.push({ kind: 'trade', trade });
      }
    }
    this.clock = ts;
  }

  private size(state: SymbolState): number {
    let size = this.random.pareto(TYPICAL_NOTIONAL_USD / 4 / state.price, 1.3);
    size = Math.min(size, (TYPICAL_NOTIONAL_USD * 2000) / state.price);
    if (this.random.next() < WHALE_PROBABILITY) size *= 20 + this.random.next() * 80;
    return round(size, 6) || round(TYPICAL_NOTIONAL_USD / 4 / state.price, 6);
  }

  private move(state: SymbolState, logReturn: number): void {
    state.price = roundToTick(state.price * Math.exp(logReturn));
  }

  private trade(state: SymbolState, side: Side, size: number): TradeMessage {
    const ts = Math.floor(this.clock);
    return {
      exchange: state.instrument.venue,
      market: state.instrument.market,
      symbol: state.instrument.symbol,
      base: state.instrument.base,
      quote: state.instrument.quote,
      venueSymbol: state.instrument.venueSymbol,
      tradeId: String(state.nextTradeId++),
      price: state.price,
      size,
      notionalUsd: state.price * size,
      side,
      ts,
      recvTs: ts,
    };
  }
}

function opposite(side: Side): Side {
  return side === 'buy' ? 'sell' : 'buy';
}

function roundToTick(price: number): number {
  const tick = price >= 1_000 ? 0.1 : price >= 10 ? 0.001 : 0.0001;
  return Math.max(tick, Number((Math.round(price / tick) * tick).toFixed(4)));
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
