import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';
import { LiquidationDetector, type LiquidationDetectorSettings } from './liquidation.detector';

const SETTINGS: LiquidationDetectorSettings = {
  thresholds: { perAsset: { BTC: 10_000 }, defaultMinUsd: 1_000 },
  percentile: {
    enabled: true,
    percentile: 80,
    windowMs: 3 * 3_600_000,
    minSamples: 20,
    relativeAccuracy: 0.005,
  },
  vwapEnabled: true,
  vwapWindow: { windowMs: 3_600_000, bucketMs: 10_000 },
  signals: { longVwapOffset: 0.5, shortVwapOffset: 0.5 },
};

function events(seed: number, count: number, startMs: number): Array<TradeMessage | LiquidationMessage> {
  let state = seed;
  const random = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const out: Array<TradeMessage | LiquidationMessage> = [];
  for (let i = 0; i < count; i++) {
    const symbol = random() < 0.5 ? 'BTC-USDT' : 'SOL-USDT';
    const base = symbol === 'BTC-USDT' ? 'BTC' : 'SOL';
    const mid = base === 'BTC' ? 65_000 : 150;
    const ts = startMs + i * 7_000; // 5,000 events span ~9.7 h: slices and buckets roll over
    if (random() < 0.7) {
      const price = mid * (1 + (random() - 0.5) / 100);
      out.push({ kind: 'trade', symbol, base, price, size: 1 + random(), ts } as unknown as TradeMessage);
    } else {
      const price = mid * (1 + (random() - 0.5) / 25);
      const notionalUsd = Math.round(2_000 * (1 / (1 - random())) ** (1 / 1.2) * 100) / 100;
      const orderSide = random() < 0.5 ? 'buy' : 'sell';
      out.push({
        kind: 'liquidation',
        eventId: `l${i}`,
        exchange: 'binance',
        symbol,
        base,
        price,
        size: notionalUsd / price,
        notionalUsd,
        orderSide,
        positionSide: orderSide === 'sell' ? 'long' : 'short',
        ts,
      } as unknown as LiquidationMessage);
    }
  }
  return out;
}

function feed(detector: LiquidationDetector, list: Array<TradeMessage | LiquidationMessage>): unknown[] {
  const outcomes: unknown[] = [];
  for (const event of list) {
    if ((event as unknown as { kind: string }).kind === 'trade') detector.onTrade(event as TradeMessage);
    else outcomes.push(detector.onLiquidation(event as LiquidationMessage));
  }
  return outcomes;
}

describe(LiquidationDetector.name, () => {
  it('restored from symbolState (through a structured clone) decides every later liquidation exactly as the original', () => {
    const all = events(11, 5_000, 1_700_000_000_000);
    const original = new LiquidationDetector(SETTINGS);
    feed(original, all.slice(0, 2_500));
    const saved = original.symbols().map((symbol) => structuredClone(original.symbolState(symbol)));
    expect(saved.map((state) => state.symbol).sort()).toEqual(['BTC-USDT', 'SOL-USDT']);

    const restored = new LiquidationDetector(SETTINGS);
    for (const state of saved) restored.restoreSymbol(state);
    const rest = all.slice(2_500);
    const expected = feed(original, rest);
    const actual = feed(restored, rest);
    expect(actual).toEqual(expected);
    // Not trivial: the percentile filter applies and some liquidations raise signals.
    const kinds = (expected as Array<{ kind: string; reason?: string; signal?: unknown }>).map((o) =>
      o.kind === 'filtered' ? o.reason : o.signal ? 'signal' : 'accepted',
    );
    expect(new Set(kinds)).toEqual(new Set(['below_minimum', 'below_percentile', 'accepted', 'signal']));
    for (const symbol of ['BTC-USDT', 'SOL-USDT']) {
      expect(restored.symbolState(symbol)).toEqual(original.symbolState(symbol));
      expect(restored.percentiles.percentileOf(symbol, 80)).toBe(
        original.percentiles.percentileOf(symbol, 80),
      );
    }
  });

  it('forgets a symbol entirely (it moved to another replica)', () => {
    const detector = new LiquidationDetector(SETTINGS);
    feed(detector, events(5, 200, 1_700_000_000_000));
    detector.forgetSymbol('BTC-USDT');
    expect(detector.symbols()).toEqual(['SOL-USDT']);
    expect(detector.symbolState('BTC-USDT')).toEqual({ symbol: 'BTC-USDT' });
  });
});
