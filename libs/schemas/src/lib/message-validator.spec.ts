import 'reflect-metadata';
import fc from 'fast-check';
import { getMetadataStorage, validateSync } from 'class-validator';
import {
  aCandle,
  aFlowSnapshotNotice,
  aGap,
  aLiquidation,
  aSignal,
  aTick,
  aTokenUpdate,
  aTrade,
} from '../testing';
import { MessageValidationError, MessageValidator } from './message-validator';
import { CandleStream } from './messages/candle.message';
import { FlowSnapshotStream } from './messages/flow-snapshot-notice.message';
import { GapStream } from './messages/gap.message';
import { LiquidationSignalStream } from './messages/liquidation-signal.message';
import { LiquidationStream } from './messages/liquidation.message';
import { TickStream } from './messages/tick.message';
import { TokenUpdateStream } from './messages/token-update.message';
import { TradeMessage, TradeStream } from './messages/trade.message';

describe(MessageValidator.name, () => {
  const trades = new MessageValidator(TradeMessage);

  it.each([
    [TradeStream.type, TradeStream.messageClass, aTrade()],
    [LiquidationStream.type, LiquidationStream.messageClass, aLiquidation()],
    [TickStream.type, TickStream.messageClass, aTick()],
    [CandleStream.type, CandleStream.messageClass, aCandle()],
    [LiquidationSignalStream.type, LiquidationSignalStream.messageClass, aSignal()],
    [FlowSnapshotStream.type, FlowSnapshotStream.messageClass, aFlowSnapshotNotice()],
    [TokenUpdateStream.type, TokenUpdateStream.messageClass, aTokenUpdate()],
    [GapStream.type, GapStream.messageClass, aGap()],
  ] as Array<[string, new () => object, object]>)(
    'accepts a valid %s message',
    (_type, messageClass, message) => {
      expect(new MessageValidator(messageClass).validate(message)).toEqual({ ok: true, value: message });
    },
  );

  it('names the property, the rule and the value in the reason', () => {
    const result = trades.validate(aTrade({ price: -1, side: 'up' as never }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('price: price must not be less than');
    expect(result.reason).toContain('(got -1)');
    expect(result.reason).toContain('side: side must be one of the following values: buy, sell (got "up")');
  });

  it('rejects a missing field, NaN and a non-object', () => {
    const { tradeId: _omitted, ...withoutId } = aTrade();
    expect(trades.validate(withoutId)).toMatchObject({ ok: false });
    expect(JSON.stringify(trades.validate(withoutId))).toContain('tradeId');
    expect(trades.validate(aTrade({ size: Number.NaN }))).toMatchObject({ ok: false });
    expect(trades.validate('trade')).toEqual({ ok: false, reason: 'expected an object, got "trade"' });
    expect(trades.validate(null)).toEqual({ ok: false, reason: 'expected an object, got null' });
  });

  it('accepts optional fields when absent and checks them when present', () => {
    expect(trades.validate(aTrade({ backfill: true })).ok).toBe(true);
    expect(trades.validate(aTrade({ backfill: 'yes' as never })).ok).toBe(false);
  });

  it('accepts unknown extra fields', () => {
    expect(trades.validate({ ...aTrade(), venueExtra: 1 }).ok).toBe(true);
  });

  it('throws MessageValidationError from assert', () => {
    expect(() => trades.assert(aTrade({ ts: 1.5 }))).toThrow(MessageValidationError);
    expect(() => trades.assert(aTrade({ ts: 1.5 }))).toThrow(
      'invalid TradeMessage message: ts: ts must be an integer',
    );
  });

  it('agrees with class-validator validateSync on random messages', () => {
    const anyValue = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.double(),
      fc.integer(),
      fc.string({ maxLength: 70 }),
      fc.boolean(),
      fc.constantFrom('buy', 'sell', 'binance', 'perp', 'BTC-USDT', 'BTC', 'btc'),
    );
    const base = aTrade();
    const keys = [...Object.keys(base), 'backfill'] as Array<keyof TradeMessage>;
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: 4 }), (overrides) => {
        const candidate = { ...base, ...overrides };
        const reference =
          validateSync(Object.setPrototypeOf({ ...candidate }, TradeMessage.prototype) as object).length ===
          0;
        expect(trades.validate(candidate).ok).toBe(reference);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    [TradeStream.messageClass, aTrade()],
    [LiquidationStream.messageClass, aLiquidation()],
    [TickStream.messageClass, aTick()],
    [CandleStream.messageClass, aCandle()],
    [LiquidationSignalStream.messageClass, aSignal()],
    [FlowSnapshotStream.messageClass, aFlowSnapshotNotice()],
    [TokenUpdateStream.messageClass, aTokenUpdate()],
    [GapStream.messageClass, aGap()],
  ] as Array<[new () => object, object]>)(
    'agrees with validateSync on %p at the edges of every rule (the compiled shortcuts)',
    (messageClass, base) => {
      const validator = new MessageValidator(messageClass);
      const properties = [
        ...new Set(
          getMetadataStorage()
            .getTargetValidationMetadatas(messageClass, '', true, false)
            .map((metadata) => metadata.propertyName),
        ),
      ];
      const edge = fc.oneof(
        fc.constantFrom(
          undefined,
          null,
          Number.NaN,
          Infinity,
          -Infinity,
          -0,
          0,
          Number.MIN_VALUE,
          -1,
          1.5,
          2 ** 53,
          '',
          'x'.repeat(64),
          'x'.repeat(65),
          '\u{1F600}'.repeat(33), // 66 code units, 33 characters
          'e\uFE0F'.repeat(40),
          'BTC-USDT',
          'btc',
          'binance',
          'trade_id',
          true,
          [],
          {},
        ),
        fc.string({ maxLength: 70 }),
        fc.double(),
      );
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom(...properties), edge, { maxKeys: 3 }), (overrides) => {
          const candidate: Record<string, unknown> = Object.assign({}, base, overrides);
          const reference =
            validateSync(
              Object.setPrototypeOf(Object.assign({}, candidate), messageClass.prototype as object) as object,
            ).length === 0;
          expect(validator.check(candidate) === null).toBe(reference);
        }),
        { numRuns: 1500 },
      );
    },
  );
});
