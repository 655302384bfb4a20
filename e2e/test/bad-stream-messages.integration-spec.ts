import {
  LiquidationStream,
  TradeStream,
  type LiquidationMessage,
  type StreamDefinition,
  type TradeMessage,
} from '@mdp/schemas';
import { encodeEntry } from '@mdp/transport';
import { PipelineEnv, compareIds, type DeadLetter } from '../harness/pipeline-env';
import { HOUR, TestProducer } from '../harness/test-producer';
import { detectorStats, flowSnapshot, warmStats } from '../harness/recompute';

// Services start as processes and faults last seconds: beyond the run's 60 s default.
jest.setTimeout(Number(process.env['E2E_TEST_TIMEOUT_MS'] ?? 180_000));

/**
 * Issue 11 case 11 (stream messages): entries no producer of ours would write, XADDed raw beside
 * good traffic into stream:{liquidations} (read by the writer, the detector and the aggregator) and
 * stream:{trades} (detector, aggregator): schema-invalid events in well-formed frames, entries whose
 * payload is not MessagePack, entries without the wire fields, and a schema version nobody handles.
 * No consumer crashes; each group dead-letters each bad event (or unreadable entry) exactly once with
 * the reason; nothing of them reaches the warm store or the hot aggregates, and the good events are
 * all there, exactly once.
 */
const INVALID_EVENTS = Number(process.env['E2E_INVALID_EVENTS'] ?? 300);
const UNREADABLE_ENTRIES = 40;

const LIQUIDATION_GROUPS = ['flow-aggregator', 'liquidation-detector', 'warm-writer'];
const TRADE_GROUPS = ['flow-aggregator', 'liquidation-detector'];

/** Ways to break an event that a class-validator rule catches. */
const BREAK: Array<(event: Record<string, unknown>) => Record<string, unknown>> = [
  (event) => ({ ...event, price: -1 }),
  (event) => ({ ...event, ts: 'yesterday' }),
  (event) => ({ ...event, size: Number.NaN }),
  (event) => ({ ...event, exchange: 42 }),
  (event) => ({ ...event, symbol: '' }),
];

describe('schema-invalid and unreadable stream messages (issue 11, case 11)', () => {
  let env: PipelineEnv;
  afterEach(async () => env?.close());

  it('each group dead-letters each bad message once with its reason; the good ones are all stored, nothing else', async () => {
    env = await PipelineEnv.start();
    const services = [
      env.service('warm-writer'),
      env.service('liquidation-detector'),
      env.service('flow-aggregator'),
    ];
    await Promise.all(services.map((service) => service.start()));
    const base = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const producer = new TestProducer(env.client(), base, 100, 20);
    const raw = env.client();

    const badLiquidations = producer.makeLiquidations(INVALID_EVENTS).map((event, i) => ({
      ...BREAK[i % BREAK.length]!(event as unknown as Record<string, unknown>),
      eventId: `bad:${event.eventId}`,
    }));
    const badTrades = producer.makeTrades(INVALID_EVENTS).map((event, i) => ({
      ...BREAK[i % BREAK.length]!(event as unknown as Record<string, unknown>),
      tradeId: `bad:${event.tradeId}`,
    }));
    const xaddBad = async (definition: StreamDefinition, events: Array<Record<string, unknown>>) => {
      for (let i = 0; i < events.length; i += 10) {
        await raw.xadd(definition.stream, '*', ...encodeEntry(definition, events.slice(i, i + 10)));
      }
      for (let i = 0; i < UNREADABLE_ENTRIES; i++) {
        const kind = i % 4;
        if (kind === 0)
          await raw.xadd(
            definition.stream,
            '*',
            't',
            definition.type,
            'v',
            '1',
            'n',
            '1',
            'p',
            Buffer.from([0xc1]),
          );
        else if (kind === 1) await raw.xadd(definition.stream, '*', 'hello', 'world');
        else if (kind === 2)
          await raw.xadd(
            definition.stream,
            '*',
            ...encodeEntry({ ...definition, version: 99 }, [events[0]!]),
          );
        else await raw.xadd(definition.stream, '*', 't', definition.type, 'v', 'one', 'p', 'x');
      }
    };

    // Good and bad interleaved.
    for (let round = 0; round < 10; round++) {
      await producer.publishLiquidations(producer.makeLiquidations(100));
      await producer.publishTrades(producer.makeTrades(200));
      if (round === 3) await xaddBad(LiquidationStream, badLiquidations);
      if (round === 6) await xaddBad(TradeStream, badTrades);
    }
    await env.drained('warm-writer', [LiquidationStream.stream]);
    await env.drained('liquidation-detector', [LiquidationStream.stream, TradeStream.stream]);
    await env.drained('flow-aggregator', [LiquidationStream.stream, TradeStream.stream]);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the aggregator's periodic snapshot

    const summarize = (letters: DeadLetter[], groups: string[]) =>
      Object.fromEntries(
        groups.map((group) => {
          const mine = letters.filter((letter) => letter.group === group);
          return [
            group,
            {
              invalid: mine.filter((letter) => letter.error.startsWith('schema validation failed')).length,
              invalidIds: new Set(
                mine
                  .filter((letter) => letter.error.startsWith('schema validation failed'))
                  .flatMap((l) => l.eventIds),
              ).size,
              undecodable: mine.filter((letter) => letter.error.startsWith('undecodable entry')).length,
              noHandler: mine.filter((letter) => letter.error.startsWith('no handler for')).length,
              other: mine.filter(
                (letter) =>
                  !/^(schema validation failed|undecodable entry|no handler for)/.test(letter.error),
              ).length,
            },
          ];
        }),
      );
    const liquidationLetters = summarize(await env.deadLetters(LiquidationStream.stream), LIQUIDATION_GROUPS);
    const tradeLetters = summarize(await env.deadLetters(TradeStream.stream), TRADE_GROUPS);
    const rows = await env.liquidationRows();
    const diff = compareIds(producer.liquidations.keys(), rows);
    const report = {
      good: { liquidations: producer.liquidations.size, trades: producer.trades.size },
      bad: { eventsPerStream: INVALID_EVENTS, unreadableEntriesPerStream: UNREADABLE_ENTRIES },
      liquidationLetters,
      tradeLetters,
      stored: rows.size,
      missing: diff.missing.length,
      extra: diff.extra.length,
      alive: services.map((service) => service.running),
    };
    process.stdout.write(`bad stream messages case: ${JSON.stringify(report)}\n`);

    const expected = {
      invalid: INVALID_EVENTS,
      invalidIds: INVALID_EVENTS,
      undecodable: (UNREADABLE_ENTRIES / 4) * 3,
      noHandler: UNREADABLE_ENTRIES / 4,
      other: 0,
    };
    expect(liquidationLetters).toEqual(
      Object.fromEntries(LIQUIDATION_GROUPS.map((group) => [group, expected])),
    );
    expect(tradeLetters).toEqual(Object.fromEntries(TRADE_GROUPS.map((group) => [group, expected])));
    expect(services.every((service) => service.running)).toBe(true);
    // The warm store holds the good liquidations and nothing else.
    expect(diff).toEqual({ missing: [], extra: [], doubled: [] });
    expect(rows.size).toBe(1_000);
    // The hot aggregates count only the good events.
    for (const coin of ['BTC', 'ETH']) {
      const hot = await detectorStats(env.redis, `${coin}-USDT`, base);
      const warm = await warmStats(env, `${coin}-USDT`, base);
      expect(hot.total_count).toBe(warm.total_count);
      const metrics = await flowSnapshot(env.redis, coin, base);
      const fed = (list: Array<TradeMessage | LiquidationMessage>) =>
        list.filter((event) => event.base === coin).length;
      expect({ trades: metrics?.totalTrades, liquidations: metrics?.totalLiquidations }).toEqual({
        trades: fed([...producer.trades.values()]),
        liquidations: fed([...producer.liquidations.values()]),
      });
    }
  });
});
