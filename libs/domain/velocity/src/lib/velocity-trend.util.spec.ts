import { classifyVelocityTrend } from './velocity-trend.util';

describe(classifyVelocityTrend.name, () => {
  it('needs 3 earlier velocities (insufficient_data below)', () => {
    expect(classifyVelocityTrend(0.5, [])).toEqual({
      trend: 'insufficient_data',
      recentAverage: null,
      olderAverage: null,
      relativeChange: null,
    });
    expect(classifyVelocityTrend(0.5, [0.1, 0.2]).trend).toBe('insufficient_data');
  });

  it('classifies with 3 to 5 points and reports no older average (the sketch would divide a short slice by 3)', () => {
    // recent = (0.1 + 0.1 + 0.1) / 3 = 0.1; (0.2 - 0.1) / 0.1 = 1 > 0.05
    const result = classifyVelocityTrend(0.2, [0.1, 0.1, 0.1]);
    expect(result.trend).toBe('increasing');
    expect(result.recentAverage).toBeCloseTo(0.1, 15);
    expect(result.olderAverage).toBeNull();
    expect(result.relativeChange).toBe(1);
    expect(classifyVelocityTrend(0.2, [0.3, 0.3, 0.1, 0.1, 0.1]).olderAverage).toBeNull();
  });

  it('uses only the last three for the trend and reports the three before as the older average', () => {
    // older = (0.3 + 0.3 + 0.3) / 3 = 0.3; recent = (0.04 + 0.05 + 0.06) / 3 = 0.05
    const result = classifyVelocityTrend(0.045, [0.3, 0.3, 0.3, 0.04, 0.05, 0.06]);
    expect(result.olderAverage).toBeCloseTo(0.3, 15);
    expect(result.recentAverage).toBeCloseTo(0.05, 15);
    // (0.045 - 0.05) / 0.05 = -0.1
    expect(result.relativeChange).toBe(-0.1);
    expect(result.trend).toBe('decreasing');
  });

  it('treats exactly 5 % as stable and anything beyond as a change', () => {
    expect(classifyVelocityTrend(0.105, [0.1, 0.1, 0.1]).trend).toBe('stable');
    expect(classifyVelocityTrend(0.095, [0.1, 0.1, 0.1]).trend).toBe('stable');
    expect(classifyVelocityTrend(0.10500001, [0.1, 0.1, 0.1]).trend).toBe('increasing');
    expect(classifyVelocityTrend(0.09499999, [0.1, 0.1, 0.1]).trend).toBe('decreasing');
    expect(classifyVelocityTrend(0.1, [0.1, 0.1, 0.1]).trend).toBe('stable');
  });

  it('handles a zero recent average without dividing by it', () => {
    expect(classifyVelocityTrend(0, [0, 0, 0])).toEqual({
      trend: 'stable',
      recentAverage: 0,
      olderAverage: null,
      relativeChange: null,
    });
    expect(classifyVelocityTrend(0.00000001, [0, 0, 0]).trend).toBe('increasing');
  });
});
