import { TradeIdGapDetector } from './trade-id-gap.detector';

describe(TradeIdGapDetector.name, () => {
  it('reports the missing range between two ids, with the times around it', () => {
    const detector = new TradeIdGapDetector();
    expect(detector.observe('BTCUSDT', 100, 1_000)).toBeNull();
    expect(detector.observe('BTCUSDT', 101, 1_001)).toBeNull();
    expect(detector.observe('BTCUSDT', 105, 1_005)).toEqual({
      key: 'BTCUSDT',
      fromId: 102,
      toId: 104,
      fromTs: 1_001,
      toTs: 1_005,
    });
  });

  it('ignores late and repeated ids and keeps instruments apart', () => {
    const detector = new TradeIdGapDetector();
    detector.observe('BTCUSDT', 10, 1);
    detector.observe('ETHUSDT', 500, 1);
    expect(detector.observe('BTCUSDT', 10, 2)).toBeNull();
    expect(detector.observe('BTCUSDT', 9, 2)).toBeNull();
    expect(detector.observe('BTCUSDT', 11, 3)).toBeNull();
    expect(detector.observe('ETHUSDT', 501, 3)).toBeNull();
    expect(detector.lastId('BTCUSDT')).toBe(11);
  });
});
