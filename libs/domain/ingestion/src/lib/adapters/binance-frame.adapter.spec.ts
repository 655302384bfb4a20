import fc from 'fast-check';
import { InstrumentCatalog } from '../instrument-catalog';
import type { ParsedFrame } from '../venue-adapter';
import { BinanceFrameAdapter } from './binance-frame.adapter';

const R = 1_700_000_000_999;
const adapter = new BinanceFrameAdapter(InstrumentCatalog.forVenue('binance', ['BTC', 'ETH']));

/** The adapter's answer to a frame: its trades, or the message of the error it threw. */
function outcome(frame: string): { trades: ParsedFrame['trades'] } | { error: string } {
  try {
    return { trades: adapter.parse(frame, R).trades };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * The same frame through the general path: a leading space is valid JSON whitespace, which the
 * aggTrade text reader does not take.
 */
const general = (frame: string) => outcome(` ${frame}`);

describe('BinanceFrameAdapter aggTrade text reader', () => {
  const digits = fc.oneof(
    fc.nat().map(String),
    fc.constantFrom('0', '5933014001', '999999999999999', '1234567890123456', '01', '00', ''),
  );
  const decimal = fc.oneof(
    fc.double({ min: 0, max: 1e6, noNaN: true }).map(String),
    fc.constantFrom(
      '65005.9',
      '0.002',
      '0',
      '0.0',
      '1e5',
      '.5',
      '5.',
      ' 1',
      '1\\u0030',
      '-1',
      '12345678901234567',
    ),
  );
  const symbol = fc.constantFrom('BTCUSDT', 'ETHUSDT', 'DOGEUSDT', '', 'btcusdt', 'BTC\\u0055SDT');
  const maker = fc.constantFrom('true', 'false', '1', 'null', '"true"');
  const frames = fc
    .record({
      E: digits,
      s: symbol,
      a: digits,
      p: decimal,
      q: decimal,
      f: digits,
      l: digits,
      T: digits,
      m: maker,
    })
    .map(
      (f) =>
        `{"e":"aggTrade","E":${f.E},"s":"${f.s}","a":${f.a},"p":"${f.p}","q":"${f.q}","f":${f.f},"l":${f.l},"T":${f.T},"m":${f.m}}`,
    );

  it('reads every frame to the same trades, or the same error, as JSON.parse and the general path', () => {
    fc.assert(
      fc.property(frames, (frame) => {
        expect(outcome(frame)).toEqual(general(frame));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees on frames cut short, extended or with other key orders', () => {
    const base =
      '{"e":"aggTrade","E":1763769600230,"s":"BTCUSDT","a":5933014001,"p":"65005.9","q":"0.002","f":17799042003,"l":17799042004,"T":1763769600228,"m":false}';
    expect(outcome(base)).toEqual(general(base));
    expect(outcome(base)).toEqual({
      trades: [
        expect.objectContaining({
          tradeId: '5933014001',
          price: 65005.9,
          size: 0.002,
          side: 'buy',
          ts: 1763769600228,
        }),
      ],
    });
    for (let cut = 1; cut < base.length; cut++) {
      const frame = base.slice(0, cut);
      expect(outcome(frame)).toEqual(general(frame));
    }
    for (const frame of [
      `${base} `,
      `${base}}`,
      base.replace('}', ',"x":1}'),
      base.replace('"m":false}', '"m":false,"m":true}'),
      base.replace('"s":"BTCUSDT","a":5933014001', '"a":5933014001,"s":"BTCUSDT"'),
      base.replace('"e":"aggTrade","E":1763769600230', '"E":1763769600230,"e":"aggTrade"'),
    ])
      expect(outcome(frame)).toEqual(general(frame));
  });
});
