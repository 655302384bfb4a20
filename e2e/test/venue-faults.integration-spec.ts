import { GapStream, LiquidationStream, TradeStream, type GapMessage } from '@mdp/schemas';
import { TcpProxy, waitFor } from '@mdp/testing';
import { decodeEntry } from '@mdp/transport';
import { PipelineEnv } from '../harness/pipeline-env';
import { HttpStandIn, VenueStandIn } from '../harness/venue';
import type { ServiceProcess } from '../harness/service-process';

// Services start as processes and faults last seconds: beyond the run's 60 s default.
jest.setTimeout(Number(process.env['E2E_TEST_TIMEOUT_MS'] ?? 180_000));

/**
 * Issue 11 cases 10 and 11 (venue frames): the ingestion service as a process, live on a Binance
 * USD-M stand-in (WebSocket) with its REST trade history (apps/ingestion/test/venue-stand-in.ts).
 *
 * - Case 11: thousands of malformed frames among good ones: each counted once as a parse error,
 *   none reaching a stream, the connector carrying on.
 * - Case 10: the venue goes away for E2E_VENUE_DOWN_MS (CI 4 s; the 20 s with
 *   E2E_VENUE_DOWN_MS=20000), refusing connections, while trades go on at the venue. The connector
 *   reports the disconnect as a gap event, notices the aggregate-trade id gap on the first trade
 *   after it, backfills it from the REST history and says so (a `backfilled: true` gap event):
 *   every trade id exactly once in stream:{trades}. Liquidations in the outage cannot be backfilled
 *   (Binance has no liquidation history), which the disconnect gap event covers.
 */
const DOWN_MS = Number(process.env['E2E_VENUE_DOWN_MS'] ?? 4_000);
const MALFORMED = Number(process.env['E2E_MALFORMED_FRAMES'] ?? 3_000);
const T = Date.UTC(2026, 0, 5, 12, 0);

const aggTrade = (a: number) => ({
  e: 'aggTrade',
  E: T + a * 100 + 1,
  s: 'BTCUSDT',
  a,
  p: (65_000 + (a % 50)).toFixed(1),
  q: '0.010',
  f: a * 10,
  l: a * 10 + 2,
  T: T + a * 100,
  m: a % 2 === 0,
});
const forceOrder = (n: number) => ({
  e: 'forceOrder',
  E: T + n * 1_000 + 1,
  o: {
    s: 'BTCUSDT',
    S: n % 2 === 0 ? 'SELL' : 'BUY',
    o: 'LIMIT',
    f: 'IOC',
    q: '0.5',
    p: '64900',
    ap: '64910.5',
    X: 'FILLED',
    l: '0.5',
    z: '0.5',
    T: T + n * 1_000,
  },
});
/** Frames no parser can use: cut JSON, not JSON, JSON of the wrong shape, unknown events, a bad forceOrder. */
const MALFORMED_KINDS: Array<(i: number) => string> = [
  (i) => JSON.stringify(aggTrade(i)).slice(0, 30),
  (i) => `garbage ${i} \u0000\u00ff`,
  (i) => String(i),
  (i) => JSON.stringify({ e: 'markPriceUpdate', E: T + i, s: 'BTCUSDT', p: '65000' }),
  () => '{"e":"forceOrder","o":null}',
  () => '[1,2,3]',
];

describe('venue faults through the ingestion process (issue 11, cases 10 and 11)', () => {
  let env: PipelineEnv;
  let venue: VenueStandIn;
  let history: HttpStandIn;
  let ingestion: ServiceProcess;
  /** Between the connector and the venue: cut, it refuses connections as a venue that is down. */
  let proxy: TcpProxy;
  /** Trades that happened at the venue, by aggregate id: what the REST history serves. */
  const happened = new Map<number, ReturnType<typeof aggTrade>>();

  beforeAll(async () => {
    env = await PipelineEnv.start();
    venue = await VenueStandIn.start();
    venue.onMessage = (text) => {
      const message = JSON.parse(text) as { method?: string; id?: number };
      return message.method === 'SUBSCRIBE' ? [JSON.stringify({ result: null, id: message.id })] : [];
    };
    proxy = new TcpProxy('127.0.0.1', Number(new URL(venue.url).port));
    await proxy.start();
    history = await HttpStandIn.start((url) => {
      if (url.pathname !== '/fapi/v1/aggTrades') return undefined;
      const from = Number(url.searchParams.get('fromId'));
      const limit = Number(url.searchParams.get('limit'));
      return [...happened.values()]
        .filter((trade) => trade.a >= from)
        .sort((x, y) => x.a - y.a)
        .slice(0, limit)
        .map(({ a, p, q, f, l, T: time, m }) => ({ a, p, q, f, l, T: time, m }));
    });
    ingestion = env.service('ingestion', {
      INGESTION_SOURCE: 'live',
      INGESTION_VENUES: 'binance',
      INGESTION_SYMBOLS: 'BTC',
      INGESTION_BINANCE_WS_URL: `ws://${proxy.url}`,
      INGESTION_BINANCE_REST_URL: history.url,
      INGESTION_BACKOFF_BASE_MS: '100',
      INGESTION_BACKOFF_MAX_MS: '500',
      INGESTION_HEARTBEAT_MS: '200',
      INGESTION_SILENCE_MS: '3000',
    });
    await ingestion.start();
    await waitFor('the subscription', () => venue.sessions.some((session) => session.received.length > 0), {
      timeoutMs: 20_000,
    });
  });

  afterAll(async () => {
    await env?.close();
    await proxy?.close();
    await venue?.close();
    await history?.close();
  });

  const streamIds = async (stream: string, field: 'tradeId' | 'eventId'): Promise<string[]> =>
    (await env.redis.xrangeBuffer(stream, '-', '+')).flatMap(([, fields]) =>
      (decodeEntry(fields).events as Array<Record<string, string>>).map((event) => event[field]!),
    );
  const sendTrades = (from: number, to: number) => {
    for (let a = from; a <= to; a++) {
      happened.set(a, aggTrade(a));
      venue.send(aggTrade(a));
    }
  };

  it('case 11: counts each malformed frame once as a parse error, lets none through, and keeps going', async () => {
    const errorsBefore = await ingestion.metric('mdp_ingestion_parse_errors_total', { venue: 'binance' });
    sendTrades(1, 100);
    for (let i = 0; i < MALFORMED; i++) {
      venue.send(MALFORMED_KINDS[i % MALFORMED_KINDS.length]!(i));
      if (i % 300 === 0) venue.send(forceOrder(i / 300));
    }
    sendTrades(101, 200);
    await waitFor(
      '200 trades in the stream',
      async () => (await streamIds(TradeStream.stream, 'tradeId')).length >= 200,
      {
        timeoutMs: 20_000,
      },
    );
    const liquidationsSent = Math.ceil(MALFORMED / 300);
    await waitFor(
      'the liquidations',
      async () => (await streamIds(LiquidationStream.stream, 'eventId')).length >= liquidationsSent,
    );
    const errors =
      (await ingestion.metric('mdp_ingestion_parse_errors_total', { venue: 'binance' })) - errorsBefore;
    const trades = await streamIds(TradeStream.stream, 'tradeId');
    const report = {
      malformedSent: MALFORMED,
      parseErrors: errors,
      trades: trades.length,
      alive: ingestion.running,
    };
    process.stdout.write(`venue bad input case: ${JSON.stringify(report)}\n`);

    expect(errors).toBe(MALFORMED);
    expect(trades).toEqual(Array.from({ length: 200 }, (_, i) => String(i + 1)));
    expect(await streamIds(LiquidationStream.stream, 'eventId')).toHaveLength(liquidationsSent);
    expect(ingestion.running).toBe(true);
    expect((await fetch(`${ingestion.url}/health/live`)).status).toBe(200);
  });

  it('case 10: a venue outage is reported as a gap, the trade-id gap backfilled from history, every trade once', async () => {
    const downAt = Date.now();
    proxy.cut();
    // Trades go on at the venue meanwhile: only its REST history has them.
    for (let a = 201; a <= 260; a++) happened.set(a, aggTrade(a));
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    proxy.restore();
    const sessionsBefore = venue.sessions.length;
    await waitFor(
      'the connector to reconnect and subscribe',
      () => venue.sessions.length > sessionsBefore && venue.current.received.length > 0,
      { timeoutMs: 20_000 },
    );
    const reconnectedAt = Date.now();
    sendTrades(261, 300);
    await waitFor(
      'the backfilled gap',
      async () => (await gaps()).some((gap) => gap.kind === 'trade_id' && gap.backfilled),
      { timeoutMs: 20_000 },
    );
    await waitFor('300 trades', async () => (await streamIds(TradeStream.stream, 'tradeId')).length >= 300);

    const trades = await streamIds(TradeStream.stream, 'tradeId');
    const all = await gaps();
    const idGaps = all.filter((gap) => gap.kind === 'trade_id');
    const disconnects = all.filter((gap) => gap.kind === 'disconnect');
    const report = {
      downMs: DOWN_MS,
      reconnectAfterMs: reconnectedAt - downAt,
      trades: trades.length,
      distinctTrades: new Set(trades).size,
      gapEvents: all.map((gap) => ({
        kind: gap.kind,
        fromId: gap.fromId,
        toId: gap.toId,
        backfilled: gap.backfilled,
      })),
      restRequests: history.requests,
    };
    process.stdout.write(`venue outage case: ${JSON.stringify(report)}\n`);

    expect([...trades].sort((x, y) => Number(x) - Number(y))).toEqual(
      Array.from({ length: 300 }, (_, i) => String(i + 1)),
    );
    expect(idGaps.map((gap) => ({ fromId: gap.fromId, toId: gap.toId, backfilled: gap.backfilled }))).toEqual(
      [
        { fromId: '201', toId: '260', backfilled: false },
        { fromId: '201', toId: '260', backfilled: true },
      ],
    );
    // The outage itself is reported once, covering the time the venue refused connections.
    expect(disconnects).toHaveLength(1);
    expect(disconnects[0]!.fromTs).toBeGreaterThanOrEqual(downAt - 50);
    expect(disconnects[0]!.toTs - disconnects[0]!.fromTs).toBeGreaterThanOrEqual(DOWN_MS);
    expect(disconnects[0]!.toTs).toBeLessThanOrEqual(reconnectedAt + 50);
  });

  async function gaps(): Promise<GapMessage[]> {
    return (await env.redis.xrangeBuffer(GapStream.stream, '-', '+')).flatMap(
      ([, fields]) => decodeEntry(fields).events as GapMessage[],
    );
  }
});
