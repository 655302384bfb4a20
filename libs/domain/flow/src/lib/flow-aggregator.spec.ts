import { FlowAggregator } from './flow-aggregator';

const T = 1_700_000_160_000; // a 1m boundary inside the 5m window [1_700_000_100_000, 1_700_000_400_000)
const FIVE_MINUTE_START = 1_700_000_100_000;

function aggregator(graceMs = 5_000): FlowAggregator {
  return new FlowAggregator({
    coins: new Map([['BTC', { bucketSize: 10, whaleNotionalUsd: 100_000 }]]),
    windows: ['1m', '5m'],
    gracePeriodMs: graceMs,
  });
}

describe(FlowAggregator.name, () => {
  it('puts events in windows aligned to wall-clock boundaries by event time', () => {
    const flow = aggregator();
    flow.addTrade('BTC', 65_000, 1, 65_000, 'buy', T + 59_999);
    flow.addTrade('BTC', 65_000, 2, 130_000, 'sell', T + 60_000);
    const open = flow
      .openWindows()
      .map((ref) => [ref.window, ref.accumulator.start, ref.accumulator.totalTrades]);
    expect(open).toEqual([
      ['1m', T, 1],
      ['1m', T + 60_000, 1],
      ['5m', FIVE_MINUTE_START, 2],
    ]);
  });

  it('closes the 1m window at end + grace, counts late events within grace and drops later ones', () => {
    const flow = aggregator(5_000);
    flow.addTrade('BTC', 65_000, 1, 65_000, 'buy', T + 10_000);
    expect(flow.advanceTo(T + 64_999)).toEqual([]);
    flow.addTrade('BTC', 65_000, 0.5, 32_500, 'buy', T + 30_000); // late, within grace
    const closed = flow.advanceTo(T + 65_000);
    expect(
      closed.map((ref) => [
        ref.window,
        ref.accumulator.start,
        ref.accumulator.totalTrades,
        ref.accumulator.netFlow,
      ]),
    ).toEqual([['1m', T, 2, 1.5]]);
    expect(flow.addTrade('BTC', 65_000, 0.25, 16_250, 'sell', T + 59_000)).toBe(true); // still counts in the open 5m window
    expect(flow.lateDropped).toBe(1);
    expect(flow.windowAt('BTC', '5m', T)?.totalTrades).toBe(3);
    expect(flow.windowAt('BTC', '1m', T)).toBeUndefined();
  });

  it('does not reopen a window that closed without events', () => {
    const flow = aggregator(0);
    flow.advanceTo(T + 60_000);
    expect(flow.addTrade('BTC', 65_000, 1, 65_000, 'buy', T + 1)).toBe(true); // 5m still open
    expect(flow.lateDropped).toBe(1); // the 1m window [T, T+60s) had closed
  });

  it('ignores coins that are not configured', () => {
    const flow = aggregator();
    expect(flow.addTrade('DOGE', 0.1, 10, 1, 'buy', T)).toBe(false);
    expect(flow.openWindows()).toEqual([]);
  });
});
