import { Packr } from 'msgpackr';
import { RecentEventIds } from './recent-event.ids';

describe('RecentEventIds', () => {
  const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
  const roundTrip = (ids: RecentEventIds): RecentEventIds => {
    const restored = new RecentEventIds(10);
    restored.restoreState(packr.unpack(packr.pack(ids.toState())) as ReturnType<RecentEventIds['toState']>);
    return restored;
  };

  it('remembers two generations of capacity / 2 ids per venue and instrument', () => {
    const ids = new RecentEventIds(4);
    expect(['1', '2'].map((id) => ids.add('bybit', 'BTCUSDT', id))).toEqual([true, true]);
    expect(ids.add('bybit', 'BTCUSDT', '1')).toBe(false);
    expect(ids.add('okx', 'BTCUSDT', '1')).toBe(true); // another venue
    expect(ids.add('bybit', 'ETHUSDT', '1')).toBe(true); // another instrument
    ids.add('bybit', 'BTCUSDT', '3'); // '1', '2' become the previous generation
    ids.add('bybit', 'BTCUSDT', '4');
    expect(ids.add('bybit', 'BTCUSDT', '2')).toBe(false);
    ids.add('bybit', 'BTCUSDT', '5'); // '1', '2' forgotten
    expect(ids.add('bybit', 'BTCUSDT', '1')).toBe(true);
  });

  it('restores exactly what it remembered, ids with newlines and empty ids included', () => {
    const ids = new RecentEventIds(10);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) ids.add('hyperliquid', 'BTC', id);
    ids.add('bybit', 'BTCUSDT', 'two\nlines');
    ids.add('bybit', 'BTCUSDT', 'x');
    ids.add('okx', 'BTC-USDT-SWAP', '');
    const state = ids.toState();
    // Joined when that is exact, a list when an id holds the separator, a list when empty.
    expect(state).toEqual([
      ['hyperliquid', [['BTC', 'f\ng', 'a\nb\nc\nd\ne']]],
      ['bybit', [['BTCUSDT', ['two\nlines', 'x'], []]]],
      ['okx', [['BTC-USDT-SWAP', '', []]]],
    ]);
    const restored = roundTrip(ids);
    expect(restored.toState()).toEqual(state);
    for (const id of ['a', 'e', 'g']) expect(restored.add('hyperliquid', 'BTC', id)).toBe(false);
    expect(restored.add('bybit', 'BTCUSDT', 'two\nlines')).toBe(false);
    expect(restored.add('bybit', 'BTCUSDT', 'two')).toBe(true);
    expect(restored.add('okx', 'BTC-USDT-SWAP', '')).toBe(false);
  });

  it('restores the earlier state format (every generation a list)', () => {
    const restored = new RecentEventIds(10);
    restored.restoreState([['bybit', [['BTCUSDT', ['3'], ['1', '2']]]]]);
    expect(['1', '2', '3', '4'].map((id) => restored.add('bybit', 'BTCUSDT', id))).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });
});
