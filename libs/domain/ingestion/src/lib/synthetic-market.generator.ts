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

/** A liquidation cascade under way: its events interleave with the rest of the market by time. */
interface Cascade {
  state: SymbolState;
  positionSide: 'long' | 'short';
  orderSide: Side;
  direction: number;
  /** Forced orders still to come. */
  liquidationsLeft: number;
  /** Aggressive trades still to follow the last forced order. */
  followersLeft: number;
  /** Time of its next event (fractional ms). */
  nextTs: number;
}

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
  /** Time of the next ordinary step, drawn ahead so cascades' events can be interleaved by time. */
  private nextStepTs: number | null = null;
  private readonly cascades: Cascade[] = [];

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
    while (this.queued.length === 0) this.step();
    return this.queued[0]!;
  }

  /**
   * Produces the next event in time order: a cascade's next event when it is due before the next
   * ordinary step, otherwise the ordinary step (a trade, or the start of a cascade). Cascades run on
   * their own timeline beside the ordinary trades, so the mean rate stays near `tradesPerSecond`
   * whatever it is (a cascade used to hold the whole market's clock for about a second).
   */
  private step(): void {
    if (this.nextStepTs === null) {
      const meanGapMs = 1000 / this.options.tradesPerSecond / (this.burstLeft > 0 ? 8 : 1);
      this.nextStepTs = this.clock + this.random.exponential(meanGapMs);
    }
    let due: Cascade | undefined;
    for (const cascade of this.cascades) if (!due || cascade.nextTs < due.nextTs) due = cascade;
    if (due && due.nextTs <= this.nextStepTs) {
      this.cascadeStep(due);
      return;
    }
    this.clock = this.nextStepTs;
    this.nextStepTs = null;
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

  /** Starts a liquidation cascade: positions on one side liquidated in a run, the price pushed each time. */
  private cascade(state: SymbolState): void {
    const positionSide = this.random.next() < 0.5 ? 'long' : 'short';
    this.cascades.push({
      state,
      positionSide,
      orderSide: positionSide === 'long' ? 'sell' : 'buy',
      direction: positionSide === 'long' ? -1 : 1,
      liquidationsLeft: 5 + Math.floor(this.random.next() * 25),
      followersLeft: 0,
      nextTs: this.clock + this.random.exponential(40),
    });
  }

  /** The next event of a cascade: a forced order, or one of the aggressive trades that follow it. */
  private cascadeStep(cascade: Cascade): void {
    const { state } = cascade;
    const ts = Math.floor(cascade.nextTs);
    if (cascade.followersLeft > 0) {
      // The forced order sweeps the book: aggressive trades on the same side follow it.
      cascade.followersLeft -= 1;
      this.queued.push({ kind: 'trade', trade: this.trade(state, cascade.orderSide, this.size(state), ts) });
    } else {
      cascade.liquidationsLeft -= 1;
      this.move(state, cascade.direction * (0.0001 + this.random.next() * 0.0007));
      const price = state.price;
      const size = round(this.random.pareto((5 * TYPICAL_NOTIONAL_USD) / price, 1.2), 6);
      const liquidation: LiquidationMessage = {
        exchange: state.instrument.venue,
        market: state.instrument.market,
        symbol: state.instrument.symbol,
        base: state.instrument.base,
        quote: state.instrument.quote,
        venueSymbol: state.instrument.venueSymbol,
        eventId: `synthetic:${this.options.seed}:${state.instrument.venueSymbol}:${state.nextLiquidationId++}`,
        positionSide: cascade.positionSide,
        orderSide: cascade.orderSide,
        price,
        priceKind: 'fill',
        size,
        notionalUsd: price * size,
        completeness: 'complete',
        ts,
        recvTs: ts,
      };
      this.queued.push({ kind: 'liquidation', liquidation });
      cascade.followersLeft = 1 + Math.floor(this.random.next() * 3);
    }
    if (cascade.followersLeft > 0) cascade.nextTs += this.random.exponential(5);
    else if (cascade.liquidationsLeft > 0) cascade.nextTs += this.random.exponential(40);
    else this.cascades.splice(this.cascades.indexOf(cascade), 1);
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

  private trade(state: SymbolState, side: Side, size: number, ts = Math.floor(this.clock)): TradeMessage {
    return {
      exchange: state.instrument.venue,
      market: state.instrument.market,
      symbol: state.instrument.symbol,
      base: state.instrument.base,
      quote: state.instrument.quote,
      venueSymbol: state.instrument.venueSymbol,
      tradeId: `${this.options.seed}-${state.nextTradeId++}`,
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
