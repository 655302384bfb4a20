import { FrameParseError } from '../frame-parse.error';
import { InstrumentCatalog } from '../instrument-catalog';
import { AlpacaFrameAdapter } from './alpaca-frame.adapter';
import { BinanceFrameAdapter } from './binance-frame.adapter';
import { BybitFrameAdapter } from './bybit-frame.adapter';
import { HyperliquidFrameAdapter } from './hyperliquid-frame.adapter';
import { OkxFrameAdapter } from './okx-frame.adapter';

const R = 1_700_000_000_999;

describe(BinanceFrameAdapter.name, () => {
  const adapter = new BinanceFrameAdapter(InstrumentCatalog.forVenue('binance', ['BTC']));

  it('reads m=true as a sell aggressor and unwraps combined-stream frames', () => {
    const frame = JSON.stringify({
      stream: 'btcusdt@aggTrade',
      data: {
        e: 'aggTrade',
        E: 2,
        s: 'BTCUSDT',
        a: 7,
        p: '100.5',
        q: '2',
        f: 70,
        l: 71,
        T: 1,
        m: true,
        extra: 'ignored',
      },
    });
    expect(adapter.parse(frame, R).trades).toEqual([
      {
        exchange: 'binance',
        market: 'perp',
        symbol: 'BTC-USDT',
        base: 'BTC',
        quote: 'USDT',
        venueSymbol: 'BTCUSDT',
        tradeId: '7',
        price: 100.5,
        size: 2,
        notionalUsd: 201,
        side: 'sell',
        ts: 1,
        recvTs: R,
      },
    ]);
  });

  it('reads a forced SELL order as a liquidated long, priced at the average fill', () => {
    const frame = JSON.stringify({
      e: 'forceOrder',
      E: 5,
      o: {
        s: 'BTCUSDT',
        S: 'SELL',
        o: 'LIMIT',
        f: 'IOC',
        q: '0.014',
        p: '9910',
        ap: '9910',
        X: 'FILLED',
        l: '0.014',
        z: '0.014',
        T: 4,
      },
    });
    expect(adapter.parse(frame, R).liquidations[0]).toMatchObject({
      positionSide: 'long',
      orderSide: 'sell',
      priceKind: 'average_fill',
      price: 9910,
      size: 0.014,
      completeness: 'sampled_1s',
    });
  });

  it('rejects an unsubscribed symbol and a venue error answer', () => {
    expect(() =>
      adapter.parse(
        JSON.stringify({ e: 'aggTrade', s: 'DOGEUSDT', a: 1, p: '1', q: '1', T: 1, m: false }),
        R,
      ),
    ).toThrow(FrameParseError);
    expect(() =>
      adapter.parse(JSON.stringify({ error: { code: 2, msg: 'Invalid request' }, id: 1 }), R),
    ).toThrow('venue error 2: Invalid request');
  });
});

describe(HyperliquidFrameAdapter.name, () => {
  it('maps B to buy and A to sell and sends one subscription per coin', () => {
    const adapter = new HyperliquidFrameAdapter(InstrumentCatalog.forVenue('hyperliquid', ['BTC', 'HYPE']));
    expect(adapter.openingFrames()).toEqual([
      '{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}',
      '{"method":"subscribe","subscription":{"type":"trades","coin":"HYPE"}}',
    ]);
    const parsed = adapter.parse(
      JSON.stringify({
        channel: 'trades',
        data: [{ coin: 'HYPE', side: 'A', px: '25.5', sz: '10', time: 3, hash: '0x', tid: 42, users: [] }],
      }),
      R,
    );
    expect(parsed.trades[0]).toMatchObject({
      symbol: 'HYPE-USDC',
      side: 'sell',
      price: 25.5,
      size: 10,
      tradeId: '42',
    });
  });
});

describe(BybitFrameAdapter.name, () => {
  it('reads allLiquidation S=Sell as a liquidated short at the bankruptcy price', () => {
    const adapter = new BybitFrameAdapter(InstrumentCatalog.forVenue('bybit', ['ETH']));
    const parsed = adapter.parse(
      JSON.stringify({
        topic: 'allLiquidation.ETHUSDT',
        type: 'snapshot',
        ts: 9,
        data: [{ T: 8, s: 'ETHUSDT', S: 'Sell', v: '3', p: '3600' }],
      }),
      R,
    );
    expect(parsed.liquidations[0]).toMatchObject({
      positionSide: 'short',
      orderSide: 'buy',
      priceKind: 'bankruptcy',
      price: 3600,
      size: 3,
      completeness: 'batched_500ms',
    });
  });
});

describe(OkxFrameAdapter.name, () => {
  it('converts contracts to base units with the contract value', () => {
    const adapter = new OkxFrameAdapter(InstrumentCatalog.forVenue('okx', ['ETH'], { 'ETH-USDT-SWAP': 0.1 }));
    const parsed = adapter.parse(
      JSON.stringify({
        arg: { channel: 'trades', instId: 'ETH-USDT-SWAP' },
        data: [{ instId: 'ETH-USDT-SWAP', tradeId: '1', px: '3500', sz: '3', side: 'sell', ts: '5' }],
      }),
      R,
    );
    expect(parsed.trades[0]).toMatchObject({ size: 0.3, notionalUsd: 1050, side: 'sell', ts: 5 });
  });
});

describe(AlpacaFrameAdapter.name, () => {
  it('answers connected with auth and authenticated with the subscription', () => {
    const adapter = new AlpacaFrameAdapter(InstrumentCatalog.forVenue('alpaca', ['AAPL', 'MSFT']), {
      keyId: 'k',
      secretKey: 's',
    });
    expect(adapter.parse('[{"T":"success","msg":"connected"}]', R).replies).toEqual([
      '{"action":"auth","key":"k","secret":"s"}',
    ]);
    expect(adapter.parse('[{"T":"success","msg":"authenticated"}]', R).replies).toEqual([
      '{"action":"subscribe","trades":["AAPL","MSFT"],"quotes":["AAPL","MSFT"]}',
    ]);
  });

  it('infers the side with the tick rule when there is no quote', () => {
    const adapter = new AlpacaFrameAdapter(InstrumentCatalog.forVenue('alpaca', ['AAPL']), {
      keyId: '',
      secretKey: '',
    });
    const print = (i: number, p: number) =>
      JSON.stringify([{ T: 't', S: 'AAPL', i, x: 'V', p, s: 1, t: '2024-01-02T15:00:00Z' }]);
    expect(
      [print(1, 100), print(2, 101), print(3, 101), print(4, 100.5)].map(
        (frame) => adapter.parse(frame, R).trades[0]!.side,
      ),
    ).toEqual(['buy', 'buy', 'buy', 'sell']);
  });
});
