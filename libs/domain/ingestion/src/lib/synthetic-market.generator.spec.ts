import { SyntheticMarketGenerator, type SyntheticEvent } from './synthetic-market.generator';

const options = { seed: 11, startTs: 1_700_000_000_000, bases: ['BTC', 'ETH', 'HYPE'], tradesPerSecond: 20 };

describe(SyntheticMarketGenerator.name, () => {
  it('gives the same events for the same seed and other events for another seed', () => {
    const a = new SyntheticMarketGenerator(options).take(5_000);
    const b = new SyntheticMarketGenerator(options).take(5_000);
    const c = new SyntheticMarketGenerator({ ...options, seed: 12 }).take(5_000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('produces a market: ordered times, per-symbol ids, heavy-tailed sizes with whales, and liquidation cascades', () => {
    const events: SyntheticEvent[] = new SyntheticMarketGenerator(options).take(50_000);
    const times = events.map((event) => (event.kind === 'trade' ? event.trade.ts : event.liquidation.ts));
    expect(times.every((ts, i) => i === 0 || ts >= times[i - 1]!)).toBe(true);
    const trades = events.flatMap((event) => (event.kind === 'trade' ? [event.trade] : []));
    const liquidations = events.flatMap((event) => (event.kind === 'liquidation' ? [event.liquidation] : []));
    const btc = trades.filter((trade) => trade.base === 'BTC');
    expect(btc.map((trade) => trade.tradeId)).toEqual(btc.map((_, i) => `11-${i + 1}`));
    const notionals = trades.map((trade) => trade.notionalUsd).sort((x, y) => x - y);
    const median = notionals[Math.floor(notionals.length / 2)]!;
    const top = notionals[notionals.length - 1]!;
    expect(top / median).toBeGreaterThan(100); // whales
    expect(liquidations.length).toBeGreaterThan(20);
    for (const liquidation of liquidations) {
      expect(liquidation.exchange).toBe('synthetic');
      expect(liquidation.orderSide).toBe(liquidation.positionSide === 'long' ? 'sell' : 'buy');
    }
  });

  it.each([50, 1_000])(
    'keeps its mean rate near tradesPerSecond (%d/s): cascades interleave instead of holding the clock',
    (tradesPerSecond) => {
      const generator = new SyntheticMarketGenerator({ ...options, tradesPerSecond });
      let events = 0;
      let liquidations = 0;
      while (generator.peekTs() < options.startTs + 60_000) {
        if (generator.next().kind === 'liquidation') liquidations += 1;
        events += 1;
      }
      // Calm trades at the rate, bursts about 8x faster (about a quarter of the trades), cascades on top.
      expect(events / 60 / tradesPerSecond).toBeGreaterThan(1.15);
      expect(events / 60 / tradesPerSecond).toBeLessThan(1.5);
      expect(liquidations).toBeGreaterThan(0);
    },
  );
});
