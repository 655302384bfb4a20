import { BUY_STOPS, SELL_STOPS, THEME, contrast, luminance, netFlowColor } from './palette';

describe('netFlowColor', () => {
  it('is the neutral for zero, a missing scale or a non-number', () => {
    expect(netFlowColor(0, 10)).toEqual(BUY_STOPS[0]);
    expect(netFlowColor(5, 0)).toEqual(BUY_STOPS[0]);
    expect(netFlowColor(Number.NaN, 10)).toEqual(BUY_STOPS[0]);
  });

  it('reaches the brightest blue for the largest inflow and orange for the largest outflow', () => {
    expect(netFlowColor(10, 10)).toEqual(BUY_STOPS[3]);
    expect(netFlowColor(-10, 10)).toEqual(SELL_STOPS[3]);
    expect(netFlowColor(-50, 10)).toEqual(SELL_STOPS[3]);
  });

  it('is square-root scaled: a quarter of the extreme sits half way along the stops', () => {
    // t = sqrt(0.25) = 0.5 -> 1.5 of 3 intervals: half way between stops 1 and 2.
    expect(netFlowColor(2.5, 10)).toEqual([50, 125, 184]);
  });

  it('gets lighter as the magnitude grows on both sides (readable without hue)', () => {
    for (const sign of [1, -1]) {
      const steps = [0.05, 0.2, 0.5, 1].map((f) => luminance(netFlowColor(sign * f * 100, 100)));
      expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    }
  });
});

describe('theme contrast (WCAG AA for text)', () => {
  it.each([
    ['text on background', THEME.text, THEME.background],
    ['text on panel', THEME.text, THEME.panel],
    ['muted on panel', THEME.muted, THEME.panel],
    ['buy on panel', THEME.buy, THEME.panel],
    ['sell on panel', THEME.sell, THEME.panel],
  ])('%s is at least 4.5:1', (_name, foreground, background) => {
    expect(contrast(foreground, background)).toBeGreaterThanOrEqual(4.5);
  });
});
