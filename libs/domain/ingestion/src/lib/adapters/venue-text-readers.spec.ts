import fc from 'fast-check';
import { InstrumentCatalog } from '../instrument-catalog';
import type { ParsedFrame, VenueAdapter } from '../venue-adapter';
import { BinanceFrameAdapter } from './binance-frame.adapter';
import { BybitFrameAdapter } from './bybit-frame.adapter';
import { HyperliquidFrameAdapter } from './hyperliquid-frame.adapter';
import { OkxFrameAdapter } from './okx-frame.adapter';

/**
 * The trade-frame text readers of Binance, Hyperliquid, Bybit and OKX (FrameTextReader) against the general
 * path (JSON.parse): for generated frames, valid and not, the same trades or the same error.
 */
const R = 1_700_000_000_999;

type Outcome = { trades: ParsedFrame['trades']; liquidations: number } | { error: string };

function outcome(adapter: VenueAdapter, frame: string): Outcome {
  try {
    const parsed = adapter.parse(frame, R);
    return { trades: parsed.trades, liquidations: parsed.liquidations.length };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The same frame through the general path: a leading space is JSON whitespace, which the readers leave to JSON.parse. */
const general = (adapter: VenueAdapter, frame: string) => outcome(adapter, ` ${frame}`);

/** An object's text from its fields (`[key, value text]`), so that repeated keys and bad values can be made. */
const objectText = (fields: ReadonlyArray<readonly [string, string]>) =>
  `{${fields.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;

/** Any JSON value's text (for extra fields), sometimes with an escape or a control character. */
const anyValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .jsonValue({ maxDepth: 3, stringUnit: 'grapheme-ascii' })
      .map((value) => JSON.stringify(value)),
  },
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
  fc.constantFrom('"a\\"b"', '"\\u0041"', '"\u0001"', '1.5e3', '-0', '[]', '{}', 'true', 'null'),
);

/** Mostly `usual` (what venues send), sometimes `unusual` (what the readers leave to the general path, or what it rejects). */
const mostly = (usual: fc.Arbitrary<string>, ...unusual: string[]) =>
  fc.oneof({ weight: 8, arbitrary: usual }, { weight: 1, arbitrary: fc.constantFrom(...unusual) });

/** Decimal texts the readers take, and ones they must leave to the general path. */
const decimal = mostly(
  fc.oneof(
    fc.tuple(fc.nat(999_999), fc.nat(99_999)).map(([whole, fraction]) => `"${whole}.${fraction}"`),
    fc.double({ min: 0, max: 1e6, noNaN: true }).map((value) => `"${value}"`),
    fc.constantFrom('"65005.9"', '"0.002"', '"25"', '"1"'),
  ),
  ...['"0"', '"0.0"', '"1e5"', '".5"', '"5."', '" 1"', '"-1"', '"12345678901234567"', '""', '"1\\u0030"'],
  ...['5', '0.5', 'null', 'true', '[]'],
);

/** A price or size as venues write it. */
const plainDecimal = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(fc.nat(999_999), fc.nat(99_999)).map(([whole, fraction]) => `${whole}.${fraction}`),
  },
  fc.nat(99_999).map(String),
  fc.double({ min: Number.MIN_VALUE, max: 1e6, noNaN: true }).map(String),
);
const millis = fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 });

const integer = mostly(
  fc.oneof(fc.nat().map(String), fc.constantFrom('1763769600228', '1100000000000', '999999999999999')),
  ...['0', '1234567890123456', '1.0', '1e3', '-1', '"123"', '""', 'null', '-0'],
);

/**
 * A record from required fields (each sometimes missing or repeated) and extra fields, keys in any
 * order.
 */
function record(
  fields: Record<string, fc.Arbitrary<string>>,
): fc.Arbitrary<ReadonlyArray<readonly [string, string]>> {
  const entries = Object.entries(fields).map(([key, value]) =>
    fc.oneof(
      { weight: 30, arbitrary: value.map((text) => [[key, text] as const]) },
      { weight: 1, arbitrary: fc.constant([]) },
      {
        weight: 1,
        arbitrary: fc.tuple(value, value).map(([a, b]) => [[key, a] as const, [key, b] as const]),
      },
    ),
  );
  const extra = fc.array(
    fc.tuple(
      fc.constantFrom('hash', 'users', 'L', 'BT', 'count', 'source', 'x', 'longer key name', 'é'),
      anyValue,
    ),
    { maxLength: 3 },
  );
  const shuffle = fc.nat(3).map((n) => n === 0);
  return fc.tuple(fc.tuple(...entries), extra, shuffle).chain(([required, more, shuffle]) => {
    const all = [...required.flat(), ...more] as Array<readonly [string, string]>;
    return shuffle
      ? fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length })
      : fc.constant(all);
  });
}

/** A JSON array's text from its items' texts (mostly one item, as venues send). */
const list = (item: fc.Arbitrary<string>) =>
  fc
    .oneof({ weight: 4, arbitrary: item.map((one) => [one]) }, fc.array(item, { maxLength: 3 }))
    .map((items) => `[${items.join(',')}]`);

/** `text` with one character deleted, inserted or replaced. */
const edited = (text: fc.Arbitrary<string>) =>
  fc
    .tuple(
      text,
      fc.nat(),
      fc.constantFrom(...'{}[]:,"\\ 0123456789.-eABSabs'),
      fc.constantFrom('delete', 'insert', 'replace'),
    )
    .map(([value, at, c, edit]) => {
      const i = at % (value.length + 1);
      if (edit === 'delete') return value.slice(0, i) + value.slice(i + 1);
      if (edit === 'insert') return value.slice(0, i) + c + value.slice(i);
      return value.slice(0, i) + c + value.slice(i + 1);
    });

/**
 * `usual`: frames as the venue sends them, values varied; `frames`: any layout, values and
 * keys, valid or not; `typical`: one real frame.
 */
function agreesOnEverything(
  adapter: VenueAdapter,
  usual: fc.Arbitrary<string>,
  frames: fc.Arbitrary<string>,
  typical: string,
) {
  const parse = jest.spyOn(JSON, 'parse');
  try {
    // The typical frame is read without JSON.parse (else this would compare the general path with itself).
    const read = outcome(adapter, typical);
    expect(parse).not.toHaveBeenCalled();
    expect(read).toEqual(general(adapter, typical));
    expect('trades' in read && read.trades.length).toBeGreaterThan(0);
    let byReader = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 2, arbitrary: usual },
          { weight: 2, arbitrary: frames },
          edited(usual),
          edited(frames),
          edited(fc.constant(typical)),
        ),
        (frame) => {
          const calls = parse.mock.calls.length;
          const result = outcome(adapter, frame);
          if (parse.mock.calls.length === calls && 'trades' in result && result.trades.length > 0)
            byReader += 1;
          expect(result).toEqual(general(adapter, frame));
        },
      ),
      { numRuns: 10_000 },
    );
    // A good share of the generated frames has trades the reader reads (about a fifth).
    expect(byReader).toBeGreaterThan(1_000);
    for (let cut = 0; cut < typical.length; cut++) {
      const frame = typical.slice(0, cut);
      expect(outcome(adapter, frame)).toEqual(general(adapter, frame));
    }
    for (const frame of [`${typical} `, `${typical}}`, `${typical}x`, `${typical}${typical}`, `[${typical}]`])
      expect(outcome(adapter, frame)).toEqual(general(adapter, frame));
  } finally {
    parse.mockRestore();
  }
}

describe('BinanceFrameAdapter aggTrade text reader (any key order)', () => {
  const adapter = new BinanceFrameAdapter(InstrumentCatalog.forVenue('binance', ['BTC', 'ETH']));
  const frames = fc
    .tuple(
      record({
        e: mostly(fc.constant('"aggTrade"'), '"forceOrder"', '"aggtrade"', '1'),
        E: integer,
        s: mostly(fc.constantFrom('"BTCUSDT"', '"ETHUSDT"'), '"DOGEUSDT"', '""', '1', '"BTC\\u0055SDT"'),
        a: integer,
        p: decimal,
        q: decimal,
        f: integer,
        l: integer,
        T: integer,
        m: mostly(fc.constantFrom('true', 'false'), '1', 'null', '"true"'),
        stream: fc.constantFrom('"btcusdt@aggTrade"', '1'),
        data: fc.constantFrom('{"e":"forceOrder"}', '{}'),
      }),
      fc.nat(3),
    )
    // A combined-stream wrapper (`stream` and `data`) around another event, now and then.
    .map(([fields, wrap]) =>
      objectText(wrap === 0 ? fields : fields.filter(([key]) => key !== 'stream' && key !== 'data')),
    );
  const usual = fc
    .record({
      e: fc.constant('aggTrade'),
      E: millis,
      s: fc.constantFrom('BTCUSDT', 'ETHUSDT'),
      a: fc.oneof(fc.nat(), fc.nat(999_999_999_999_999), fc.nat(Number.MAX_SAFE_INTEGER)),
      p: plainDecimal,
      q: plainDecimal,
      f: fc.nat(),
      l: fc.nat(),
      T: millis,
      m: fc.boolean(),
    })
    .map((trade) => JSON.stringify(trade));
  const typical =
    '{"e":"aggTrade","E":1763769600230,"s":"BTCUSDT","a":5933014001,"p":"65005.9","q":"0.002","f":17799042003,"l":17799042004,"T":1763769600228,"m":false}';

  it('reads every frame to the same trades, or the same error, as JSON.parse and the general path', () => {
    agreesOnEverything(adapter, usual, frames, typical);
    expect(outcome(adapter, typical)).toEqual({
      liquidations: 0,
      trades: [
        expect.objectContaining({
          symbol: 'BTC-USDT',
          tradeId: '5933014001',
          price: 65005.9,
          size: 0.002,
          side: 'buy',
          ts: 1763769600228,
        }),
      ],
    });
  });
});

describe('HyperliquidFrameAdapter trades text reader', () => {
  const adapter = new HyperliquidFrameAdapter(InstrumentCatalog.forVenue('hyperliquid', ['BTC', 'HYPE']));
  const trade = record({
    coin: mostly(fc.constantFrom('"BTC"', '"HYPE"'), '"ETH"', '""', '1', '"B\\u0054C"'),
    side: mostly(fc.constantFrom('"B"', '"A"'), '"b"', '""', '1', 'null'),
    px: decimal,
    sz: decimal,
    time: integer,
    tid: integer,
  }).map(objectText);
  const frames = record({
    channel: mostly(fc.constant('"trades"'), '"pong"', '"error"', '1'),
    data: list(trade),
  }).map(objectText);
  const typical =
    '{"channel":"trades","data":[{"coin":"HYPE","side":"A","px":"24.998","sz":"4.49093","time":1763769600206,"hash":"0x000000000000000000000000000000000000000000000000000001001d1bf800","tid":1100000000000,"users":["0x0000000000000000000000000000000000000001","0x0000000000000000000000000000000000000002"]},{"coin":"BTC","side":"B","px":"65005","sz":"0.1","time":1763769600207,"hash":"0x00","tid":1100000000001,"users":[]}]}';

  it('reads every frame to the same trades, or the same error, as JSON.parse and the general path', () => {
    const usual = fc
      .array(
        fc.record({
          coin: fc.constantFrom('BTC', 'HYPE'),
          side: fc.constantFrom('B', 'A'),
          px: plainDecimal,
          sz: plainDecimal,
          time: millis,
          hash: fc.constant('0x000000000000000000000000000000000000000000000000000001001d1bf800'),
          tid: fc.oneof(fc.nat(), fc.nat(999_999_999_999_999), fc.nat(Number.MAX_SAFE_INTEGER)),
          users: fc.constant([
            '0x0000000000000000000000000000000000000001',
            '0x0000000000000000000000000000000000000002',
          ]),
        }),
        { minLength: 1, maxLength: 4 },
      )
      .map((data) => JSON.stringify({ channel: 'trades', data }));
    agreesOnEverything(adapter, usual, frames, typical);
    expect(outcome(adapter, typical)).toEqual({
      liquidations: 0,
      trades: [
        expect.objectContaining({
          symbol: 'HYPE-USDC',
          tradeId: '1100000000000',
          price: 24.998,
          size: 4.49093,
          side: 'sell',
          ts: 1763769600206,
        }),
        expect.objectContaining({
          symbol: 'BTC-USDC',
          tradeId: '1100000000001',
          price: 65005,
          size: 0.1,
          side: 'buy',
          ts: 1763769600207,
        }),
      ],
    });
  });
});

describe('BybitFrameAdapter publicTrade text reader', () => {
  const adapter = new BybitFrameAdapter(InstrumentCatalog.forVenue('bybit', ['BTC', 'HYPE']));
  const trade = record({
    T: integer,
    s: mostly(fc.constantFrom('"BTCUSDT"', '"HYPEUSDT"'), '"ETHUSDT"', '""', '1'),
    S: mostly(fc.constantFrom('"Buy"', '"Sell"'), '"buy"', '""', 'null'),
    v: decimal,
    p: decimal,
    i: mostly(
      fc.uuid().map((id) => `"${id}"`),
      '"7"',
      '""',
      '7',
      'null',
      '"a\\u0062"',
    ),
  }).map(objectText);
  const frames = record({
    topic: mostly(
      fc.constantFrom('"publicTrade.BTCUSDT"', '"publicTrade.HYPEUSDT"'),
      ...['"publicTrade."', '"allLiquidation.BTCUSDT"', '"other"', '1'],
    ),
    type: fc.constant('"snapshot"'),
    ts: integer,
    data: list(trade),
  }).map(objectText);
  const typical =
    '{"topic":"publicTrade.HYPEUSDT","type":"snapshot","ts":1763769600048,"data":[{"T":1763769600045,"s":"HYPEUSDT","S":"Buy","v":"22.907","p":"25","L":"PlusTick","i":"00000000-0000-4000-8000-000000000001","BT":false}]}';

  it('reads every frame to the same trades, or the same error, as JSON.parse and the general path', () => {
    const usual = fc
      .tuple(
        millis,
        fc.array(
          fc.record({
            T: millis,
            s: fc.constantFrom('BTCUSDT', 'HYPEUSDT'),
            S: fc.constantFrom('Buy', 'Sell'),
            v: plainDecimal,
            p: plainDecimal,
            L: fc.constantFrom('PlusTick', 'MinusTick'),
            i: fc.uuid(),
            BT: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
      )
      .map(([ts, data]) =>
        JSON.stringify({ topic: `publicTrade.${data[0]!.s}`, type: 'snapshot', ts, data }),
      );
    agreesOnEverything(adapter, usual, frames, typical);
    expect(outcome(adapter, typical)).toEqual({
      liquidations: 0,
      trades: [
        expect.objectContaining({
          symbol: 'HYPE-USDT',
          tradeId: '00000000-0000-4000-8000-000000000001',
          price: 25,
          size: 22.907,
          side: 'buy',
          ts: 1763769600045,
        }),
      ],
    });
  });
});

describe('OkxFrameAdapter trades text reader', () => {
  const adapter = new OkxFrameAdapter(
    InstrumentCatalog.forVenue('okx', ['BTC', 'ETH'], { 'BTC-USDT-SWAP': 0.01, 'ETH-USDT-SWAP': 0.1 }),
  );
  const trade = record({
    instId: mostly(fc.constantFrom('"BTC-USDT-SWAP"', '"ETH-USDT-SWAP"'), '"HYPE-USDT-SWAP"', '""', '1'),
    tradeId: mostly(
      fc.nat().map((id) => `"${id}"`),
      '""',
      '1306394740',
      'null',
    ),
    px: decimal,
    sz: decimal,
    side: mostly(fc.constantFrom('"buy"', '"sell"'), '"Buy"', '""', '1'),
    ts: integer.map((text) => (text.startsWith('"') ? text : `"${text}"`)),
  }).map(objectText);
  const arg = record({
    channel: mostly(fc.constant('"trades"'), '"liquidation-orders"', '1'),
    instId: fc.constantFrom('"BTC-USDT-SWAP"'),
  }).map(objectText);
  const frames = fc
    .tuple(
      record({ arg: mostly(arg, '1', '[]', 'null'), data: list(trade) }),
      fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, fc.constantFrom('"subscribe"', '"error"', '1')),
    )
    .map(([fields, event]) => objectText(event === null ? fields : [...fields, ['event', event]]));
  const typical =
    '{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","tradeId":"1306394740","px":"65005.6","sz":"3","side":"buy","ts":"1763769600200","count":"1","source":"0"}]}';

  it('reads every frame to the same trades, or the same error, as JSON.parse and the general path', () => {
    const usual = fc
      .array(
        fc.record({
          instId: fc.constantFrom('BTC-USDT-SWAP', 'ETH-USDT-SWAP'),
          tradeId: fc.nat().map(String),
          px: plainDecimal,
          sz: plainDecimal,
          side: fc.constantFrom('buy', 'sell'),
          ts: millis.map(String),
          count: fc.constant('1'),
          source: fc.constant('0'),
        }),
        { minLength: 1, maxLength: 4 },
      )
      .map((data) => JSON.stringify({ arg: { channel: 'trades', instId: data[0]!.instId }, data }));
    agreesOnEverything(adapter, usual, frames, typical);
    expect(outcome(adapter, typical)).toEqual({
      liquidations: 0,
      trades: [
        expect.objectContaining({
          symbol: 'BTC-USDT',
          tradeId: '1306394740',
          price: 65005.6,
          size: 0.03,
          side: 'buy',
          ts: 1763769600200,
        }),
      ],
    });
  });
});
