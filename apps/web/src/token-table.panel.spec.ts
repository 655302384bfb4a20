import { sortTokens, type TokenRow } from './token-table.panel';

const row = (id: number, symbol: string, price: number, change: number | null): TokenRow => ({
  id,
  symbol,
  name: symbol,
  rank: null,
  price,
  market_cap: price * 10,
  volume_24h: 1,
  percent_change_24h: change,
  velocity: 0.1,
  trend: 'stable',
  last_updated: '2026-11-22T08:00:00.000Z',
  stale: false,
});

describe('sortTokens', () => {
  const rows = [row(1, 'BTC', 3, 0.5), row(2, 'ADA', 1, null), row(3, 'ETH', 2, -1), row(4, 'XRP', 2, 0.5)];

  it('sorts numbers descending or ascending, ties by id', () => {
    expect(sortTokens(rows, 'price', true).map((each) => each.id)).toEqual([1, 3, 4, 2]);
    expect(sortTokens(rows, 'price', false).map((each) => each.id)).toEqual([2, 3, 4, 1]);
  });

  it('sorts text by locale and puts nulls last either way', () => {
    expect(sortTokens(rows, 'symbol', false).map((each) => each.symbol)).toEqual([
      'ADA',
      'BTC',
      'ETH',
      'XRP',
    ]);
    expect(sortTokens(rows, 'percent_change_24h', true).map((each) => each.id)).toEqual([1, 4, 3, 2]);
    expect(sortTokens(rows, 'percent_change_24h', false).map((each) => each.id)).toEqual([3, 1, 4, 2]);
  });

  it('leaves its input alone', () => {
    sortTokens(rows, 'price', true);
    expect(rows.map((each) => each.id)).toEqual([1, 2, 3, 4]);
  });
});
