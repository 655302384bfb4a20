import { BollingerBands, EMA, MACD, RSI } from 'trading-signals';
import { CandleBuilder } from './candle.builder';
import { FlowAggregator } from './flow-aggregator';
import { FlowWindowAccumulator } from './flow-window.accumulator';
import { IndicatorCalculator } from './indicator.calculator';

/** A seeded generator: the same events for the original and the restored object. */
function random(seed: number): () => number {
  let state = seed;
  return () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) + 0.5) / 2 ** 32;
}

const START = 1_700_006_400_000; // a 4h boundary

interface Event {
  kind: 'trade' | 'liquidation';
  coin: string;
  price: number;
  size: number;
  side: 'buy' | 'sell';
  ts: number;
}

function events(count: number, seed: number, from: number, spanMs: number): Event[] {
  const next = random(seed);
  const out: Event[] = [];
  for (let i = 0; i < count; i++) {
    const coin = next() < 0.5 ? 'BTC' : 'ETH';
    const base = coin === 'BTC' ? 65_000 : 3_500;
    out.push({
      kind: next() < 0.1 ? 'liquidation' : 'trade',
      coin,
      price: Math.round(base * (1 + (next() - 0.5) * 0.01) * 100) / 100,
      size: Math.round(next() ** -1.3 * 1000) / 1000,
      side: next() < 0.5 ? 'buy' : 'sell',
      // Mostly in order, some up to 20 s late: exercises grace and late drops.
      ts: from + Math.floor((i / count) * spanMs) - Math.floor(next() < 0.1 ? next() * 20_000 : 0),
    });
  }
  return out;
}

/**
 * A copy as a checkpoint's decoding gives it: plain data, no shared references, and each byte block
 * at an odd offset of a larger buffer (as MessagePack decoders return them).
 */
function roundTrip<T>(state: T): T {
  return unaligned(structuredClone(state));
}
function unaligned<T>(value: T): T {
  if (value instanceof Uint8Array) {
    const larger = new Uint8Array(value.length + 3);
    larger.set(value, 1);
    return larger.subarray(1, 1 + value.length) as T;
  }
  if (Array.isArray(value)) return value.map(unaligned) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, unaligned(field)])) as T;
  return value;
}

function newAggregator(): FlowAggregator {
  return new FlowAggregator({
    coins: new Map([
      ['BTC', { bucketSize: 10, whaleNotionalUsd: 100_000 }],
      ['ETH', { bucketSize: 1, whaleNotionalUsd: 50_000 }],
    ]),
    windows: ['1m', '5m', '1h'],
    gracePeriodMs: 5_000,
  });
}

function feed(flow: FlowAggregator, candles: CandleBuilder, batch: Event[]): unknown[] {
  const out: unknown[] = [];
  for (const event of batch) {
    if (event.kind === 'trade') {
      flow.addTrade(event.coin, event.price, event.size, event.price * event.size, event.side, event.ts);
      candles.addTrade(event.coin, event.price, event.size, event.price * event.size, event.ts);
    } else {
      flow.addLiquidation(
        event.coin,
        event.price,
        event.size,
        event.side === 'buy' ? 'short' : 'long',
        event.ts,
      );
    }
    if (out.length % 50 === 0) {
      out.push(flow.advanceTo(event.ts).map((ref) => [ref.coin, ref.window, ref.accumulator.toFlowData()]));
      out.push(candles.advanceTo(event.ts));
    }
    out.push(candles.takeChanged().length);
  }
  out.push(
    flow
      .openWindows()
      .map((ref) => [ref.coin, ref.window, ref.accumulator.toFlowData(), ref.accumulator.dirty]),
  );
  out.push(flow.lateDropped, flow.watermark, candles.lateDropped);
  return out;
}

describe('flow state checkpoint (toState / restore)', () => {
  it('a restored FlowAggregator and CandleBuilder give exactly what the originals give for the same further events', () => {
    const flow = newAggregator();
    const candles = new CandleBuilder(['1m', '5m', '1h'], 5_000);
    feed(flow, candles, events(5_000, 1, START, 40 * 60_000));

    const restoredFlow = newAggregator();
    expect(restoredFlow.restoreState(roundTrip(flow.toState()))).toEqual([]);
    const restoredCandles = new CandleBuilder(['1m', '5m', '1h'], 5_000);
    restoredCandles.restoreState(roundTrip(candles.toState()));

    const further = events(5_000, 2, START + 40 * 60_000, 40 * 60_000);
    const original = feed(flow, candles, further);
    const restored = feed(restoredFlow, restoredCandles, further);
    expect(restored).toEqual(original);
    // Something closed and something was dropped late, so the comparison covers those paths.
    expect(flow.lateDropped).toBeGreaterThan(0);
    expect(JSON.stringify(original).length).toBeGreaterThan(100_000);
  });

  it('reads the nodes of a window state written as one list per node (the earlier form)', () => {
    const accumulator = new FlowWindowAccumulator(START, 3_600_000, 60_000, 0.5, 100_000);
    for (const e of events(500, 3, START, 3_600_000).filter((event) => event.coin === 'ETH'))
      if (e.kind === 'trade') accumulator.addTrade(e.price, e.size, e.price * e.size, e.side, e.ts);
      else accumulator.addLiquidation(e.price, e.size, 'long', e.ts);
    const state = roundTrip(accumulator.toState());
    const block = new Float64Array(new Uint8Array(state.nodes as Uint8Array).buffer);
    const lists: number[][] = [];
    for (let at = 0; at < block.length; at += 8) lists.push([...block.subarray(at, at + 8)]);
    expect(lists.length).toBeGreaterThan(10);
    const restored = FlowWindowAccumulator.fromState({ ...state, nodes: lists });
    expect(restored.toFlowData()).toEqual(accumulator.toFlowData());
    expect(restored.toState()).toEqual(accumulator.toState());
  });

  it('a restored FlowWindowAccumulator equals the original for further trades and liquidations', () => {
    const accumulator = new FlowWindowAccumulator(START, 3_600_000, 60_000, 10, 100_000);
    const batch = events(2_000, 3, START, 3_600_000).filter((event) => event.coin === 'BTC');
    const half = Math.floor(batch.length / 2);
    const add = (target: FlowWindowAccumulator, part: Event[]) => {
      for (const e of part) {
        if (e.kind === 'trade') target.addTrade(e.price, e.size, e.price * e.size, e.side, e.ts);
        else target.addLiquidation(e.price, e.size, e.side === 'buy' ? 'short' : 'long', e.ts);
      }
    };
    add(accumulator, batch.slice(0, half));
    const restored = FlowWindowAccumulator.fromState(roundTrip(accumulator.toState()));
    expect(restored.toFlowData()).toEqual(accumulator.toFlowData());
    add(accumulator, batch.slice(half));
    add(restored, batch.slice(half));
    expect(restored.toFlowData({ minVolumeShare: 0.01, maxNodes: 20 })).toEqual(
      accumulator.toFlowData({ minVolumeShare: 0.01, maxNodes: 20 }),
    );
    expect(restored.toState()).toEqual(accumulator.toState());
  });

  it('refuses nothing it knows and leaves out coins and windows no longer configured', () => {
    const flow = newAggregator();
    flow.addTrade('BTC', 65_000, 1, 65_000, 'buy', START);
    const narrower = new FlowAggregator({
      coins: new Map([['BTC', { bucketSize: 10, whaleNotionalUsd: 100_000 }]]),
      windows: ['1m'],
      gracePeriodMs: 5_000,
    });
    expect(narrower.restoreState(flow.toState())).toEqual(['BTC:5m', 'BTC:1h', 'ETH:1m', 'ETH:5m', 'ETH:1h']);
    expect(narrower.openWindows().map((ref) => [ref.window, ref.accumulator.totalTrades])).toEqual([
      ['1m', 1],
    ]);
  });
});

describe(`${IndicatorCalculator.name} state`, () => {
  const next = random(7);
  const closes = Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 7) + next() * 3);

  it('gives the trading-signals library values to the last bit', () => {
    const calculator = new IndicatorCalculator();
    const rsi = new RSI(14);
    const macd = new MACD(new EMA(12), new EMA(26), new EMA(9));
    const bands = new BollingerBands(20, 2);
    closes.forEach((close, i) => {
      const values = calculator.update(close, i);
      const m = macd.update(close, false);
      const b = bands.update(close, false);
      expect([values.rsi14, values.macd, values.macdSignal, values.macdHistogram]).toEqual([
        rsi.update(close, false) ?? null,
        m?.macd ?? null,
        m?.signal ?? null,
        m?.histogram ?? null,
      ]);
      expect([values.bollingerUpper, values.bollingerMiddle, values.bollingerLower]).toEqual([
        b?.upper ?? null,
        b?.middle ?? null,
        b?.lower ?? null,
      ]);
    });
  });

  it('a calculator restored at any point gives the same values as the original', () => {
    for (const cut of [0, 1, 10, 14, 15, 25, 26, 40, 150]) {
      const original = new IndicatorCalculator();
      closes.slice(0, cut).forEach((close, i) => original.update(close, i));
      const restored = IndicatorCalculator.fromState(roundTrip(original.toState()));
      expect(restored.latest).toEqual(original.latest);
      closes.slice(cut).forEach((close, i) => {
        expect(restored.update(close, cut + i)).toEqual(original.update(close, cut + i));
      });
    }
  });
});
