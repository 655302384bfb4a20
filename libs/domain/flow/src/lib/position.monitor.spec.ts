import {
  formatDuration,
  macdSignal,
  markPosition,
  monitorPosition,
  type ActivePosition,
} from './position.monitor';

const POSITION: ActivePosition = {
  symbol: 'AAPL',
  entry_price: 150,
  current_price: 150,
  quantity: 10,
  side: 'long',
  entry_time: '2025-05-09T09:45:32.000Z',
  unrealized_pnl: 0,
  unrealized_pnl_pct: 0,
  stop_loss: 145,
  take_profit: 160,
  last_update: '2025-05-09T09:45:32.000Z',
};
const NOW = Date.parse('2025-05-09T10:15:30.123Z');

describe('position monitor', () => {
  it('marks a long at the seed 002 example price: PnL 25, 1.67 %', () => {
    expect(markPosition(POSITION, 152.5, NOW)).toEqual({
      ...POSITION,
      current_price: 152.5,
      unrealized_pnl: 25,
      unrealized_pnl_pct: 1.67,
      last_update: '2025-05-09T10:15:30.123Z',
    });
  });

  it('marks a short: a rising price is a loss', () => {
    const short = markPosition({ ...POSITION, side: 'short' }, 152.5, NOW);
    expect([short.unrealized_pnl, short.unrealized_pnl_pct]).toEqual([-25, -1.67]);
  });

  it('writes distances, time in trade and indicator signals', () => {
    const monitoring = monitorPosition(POSITION, 152.5, NOW, {
      rsi1m: { rsi14: 78.5 } as never,
      macd5m: { macdHistogram: 0.15, previousMacdHistogram: 0.2 } as never,
      nextLevel: { price: 155, type: 'resistance' },
    });
    expect(monitoring).toEqual({
      technical_signals: {
        rsi_1m: { value: 78.5, signal: 'overbought' },
        macd_5m: { value: 0.15, signal: 'weakening' },
        support_resistance: { next_level: 155, type: 'resistance' },
      },
      profit_target: { value: 160, distance: '4.9%' },
      stop_loss: { value: 145, distance: '4.9%' },
      time_in_trade: '00:29:58',
      timestamp: '2025-05-09T10:15:30.123Z',
    });
  });

  it('formats durations and MACD states', () => {
    expect(formatDuration(27 * 60_000 + 15_000)).toBe('00:27:15');
    expect(formatDuration(26 * 3_600_000)).toBe('26:00:00');
    expect([
      macdSignal(0.2, 0.1),
      macdSignal(0.1, 0.2),
      macdSignal(-0.2, -0.1),
      macdSignal(-0.1, -0.2),
    ]).toEqual(['bullish', 'weakening', 'bearish', 'recovering']);
  });
});
