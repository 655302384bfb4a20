import { freePort, PrivateRedis } from '@mdp/testing';
import { startGateway, type GatewayHarness } from './gateway.harness';

// The seed 002 examples, field for field.
const PRICE = {
  price: { last: 150.25, open: 149.8, high: 151.2, low: 149.5, volume: 25000000 },
  timestamp: '2025-05-09T08:15:30.123Z',
};
const INDICATORS = {
  rsi_14: 65.75,
  macd: 0.5,
  macd_signal: 0.3,
  bollinger_upper: 152.5,
  bollinger_lower: 148.5,
  bollinger_width: 4.0,
  timestamp: '2025-05-09T08:15:30.123Z',
};
const SENTIMENT = {
  sentiment_score: 0.75,
  sentiment_label: 'bullish',
  news_count: 3,
  latest_news: [
    {
      headline: 'Company XYZ Reports Strong Earnings',
      source: 'Financial Times',
      timestamp: '2025-05-09T07:30:00.000Z',
      url: 'https://example.com/news/xyz-earnings',
    },
  ],
  timestamp: '2025-05-09T08:15:30.123Z',
};
const WATCHLIST = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'META'];
const CANDIDATES = [
  {
    symbol: 'AAPL',
    score: 0.95,
    price: 150.25,
    signals: ['breakout', 'volume_surge'],
    timestamp: '2025-05-09T08:15:30.123Z',
  },
  {
    symbol: 'MSFT',
    score: 0.92,
    price: 290.1,
    signals: ['support_bounce', 'macd_cross'],
    timestamp: '2025-05-09T08:15:30.123Z',
  },
];
const POSITION = {
  symbol: 'AAPL',
  entry_price: 150.0,
  current_price: 152.5,
  quantity: 10,
  side: 'long',
  entry_time: '2025-05-09T09:45:32.000Z',
  unrealized_pnl: 25.0,
  unrealized_pnl_pct: 1.67,
  stop_loss: 145.0,
  take_profit: 160.0,
  last_update: '2025-05-09T10:15:30.123Z',
};
const MONITORING = {
  technical_signals: {
    rsi_1m: { value: 78.5, signal: 'overbought' },
    macd_5m: { value: 0.15, signal: 'weakening' },
    support_resistance: { next_level: 26.5, type: 'resistance' },
  },
  profit_target: { value: 26.75, distance: '1.9%' },
  stop_loss: { value: 25.25, distance: '3.8%' },
  time_in_trade: '00:27:15',
  timestamp: '2025-05-09T10:15:30.123Z',
};
const ENTRY = {
  reason: 'breakout',
  price: 150.25,
  timestamp: '2025-05-09T09:45:30.123Z',
  indicators: { macd: 0.5, rsi: 65 },
  confidence: 0.85,
};
const EXIT = {
  reason: 'target_reached',
  price: 160.0,
  timestamp: '2025-05-09T11:30:30.123Z',
  indicators: { macd: 0.2, rsi: 75 },
  confidence: 0.9,
};
const SYSTEM_STATE = {
  state: 'running',
  market_status: 'open',
  active_positions_count: 2,
  watchlist_count: 15,
  last_scan_time: '2025-05-09T10:00:00.000Z',
  timestamp: '2025-05-09T10:15:30.123Z',
};
const PERFORMANCE = {
  daily_pnl: 125.5,
  daily_pnl_pct: 2.51,
  win_count: 3,
  loss_count: 1,
  win_rate: 0.75,
  avg_win: 50.0,
  avg_loss: -25.0,
  largest_win: 75.0,
  largest_loss: -25.0,
  timestamp: '2025-05-09T16:00:00.000Z',
};
const MARKET = {
  sector_performance: { technology: 0.5, healthcare: -0.2, financials: 0.3, consumer: 0.1, energy: -0.4 },
  market_breadth: { advancing: 1250, declining: 1750, unchanged: 500 },
  vix: 18.5,
  market_regime: 'bullish_consolidation',
  timestamp: '2025-05-09T10:15:30.123Z',
};

/** Every write route: path, body, Redis key, TTL (null = none) under the test settings. */
const WRITES: Array<[string, unknown, string, number | null]> = [
  ['/api/trading/stocks/AAPL/price', PRICE, 'stocks:price:AAPL', 1001],
  ['/api/trading/stocks/AAPL/sentiment', SENTIMENT, 'stocks:sentiment:AAPL', 1002],
  ['/api/trading/positions/AAPL', POSITION, 'positions:active:AAPL', null],
  ['/api/trading/signals/entry/AAPL', ENTRY, 'signals:entry:AAPL', 1003],
  ['/api/trading/signals/exit/AAPL', EXIT, 'signals:exit:AAPL', 1003],
  ['/api/trading/watchlist', WATCHLIST, 'watchlist:current', null],
  ['/api/trading/candidates', CANDIDATES, 'candidates:ranked', 1004],
  ['/api/trading/system-state', SYSTEM_STATE, 'system:state', null],
  ['/api/trading/performance', PERFORMANCE, 'metrics:performance', 1005],
  ['/api/trading/market-context', MARKET, 'context:market', 1006],
];

const ENV = {
  TRADING_PRICE_TTL_SECONDS: '1001',
  TRADING_SENTIMENT_TTL_SECONDS: '1002',
  TRADING_SIGNAL_TTL_SECONDS: '1003',
  TRADING_CANDIDATES_TTL_SECONDS: '1004',
  TRADING_PERFORMANCE_TTL_SECONDS: '1005',
  TRADING_MARKET_CONTEXT_TTL_SECONDS: '1006',
  TRADING_CONTEXT_MAX_SYMBOLS: '3',
};

describe('trading routes during outages', () => {
  it('answer 503 while Redis is down', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const gateway = await startGateway({ redisUrl: redis.url, env: { REDIS_COMMAND_TIMEOUT_MS: '300' } });
    try {
      const key = await gateway.createKey();
      expect((await gateway.request('/api/trading/context?symbols=AAPL', { key })).status).toBe(200);
      await redis.stop();
      for (const [path, method, json] of [
        ['/api/trading/context?symbols=AAPL', 'GET', undefined],
        ['/api/trading/stocks/AAPL/price', 'GET', undefined],
        ['/api/trading/stocks/AAPL/price', 'PUT', PRICE],
        ['/api/trading/watchlist', 'PUT', WATCHLIST],
      ] as const) {
        const response = await gateway.request(path, { key, method, json });
        expect({ path, method, status: response.status }).toEqual({ path, method, status: 503 });
        expect(await response.json()).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'redis is unavailable, retry shortly',
        });
      }
    } finally {
      await gateway.close();
      await redis.stop();
    }
  }, 30_000);
});

describe('seed 002 trading state, context package and decisions', () => {
  let gateway: GatewayHarness;
  let key: string;
  const put = (path: string, json: unknown) => gateway.request(path, { key, method: 'PUT', json });
  const get = (path: string) => gateway.request(path, { key });

  beforeAll(async () => {
    gateway = await startGateway({ env: ENV });
    key = await gateway.createKey();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('writes every seed 002 key as the seed JSON with its TTL and reads it back as stored', async () => {
    for (const [path, body, redisKey, ttl] of WRITES) {
      const response = await put(path, body);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(await response.json()).toEqual({ key: redisKey, ttlSeconds: ttl });
      expect({ path, stored: await gateway.redis.get(redisKey) }).toEqual({
        path,
        stored: JSON.stringify(body),
      });
      expect({ path, ttl: await gateway.redis.ttl(redisKey) }).toEqual({ path, ttl: ttl ?? -1 });
      const read = await get(path);
      expect(read.status).toBe(200);
      expect(read.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await read.text()).toBe(JSON.stringify(body));
    }
  });

  it('reads indicators and position monitoring written by the flow aggregator, 404 when absent', async () => {
    await gateway.redis.set('stocks:indicators:MSFT', JSON.stringify(INDICATORS));
    await gateway.redis.set('positions:monitoring:MSFT', JSON.stringify(MONITORING));
    expect(await (await get('/api/trading/stocks/MSFT/indicators')).json()).toEqual(INDICATORS);
    expect(await (await get('/api/trading/positions/MSFT/monitoring')).json()).toEqual(MONITORING);
    for (const [path, redisKey] of [
      ['/api/trading/stocks/TSLA/indicators', 'stocks:indicators:TSLA'],
      ['/api/trading/positions/TSLA/monitoring', 'positions:monitoring:TSLA'],
      ['/api/trading/stocks/TSLA/price', 'stocks:price:TSLA'],
      ['/api/trading/positions/TSLA', 'positions:active:TSLA'],
    ] as const) {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: `nothing under ${redisKey}`,
      });
    }
    const signal = await get('/api/trading/signals/entry/TSLA');
    expect(signal.status).toBe(404);
    expect(((await signal.json()) as { message: string }).message).toBe('no entry signal for TSLA');
  });

  it('refuses invalid writes with 400 naming the field, and changes nothing', async () => {
    await gateway.redis.flushdb();
    const cases: Array<[string, unknown, string[] | string]> = [
      ['/api/trading/stocks/AAPL/price', { ...PRICE, extra: 1 }, ['property extra should not exist']],
      [
        '/api/trading/stocks/AAPL/price',
        { ...PRICE, price: { ...PRICE.price, close: 1 } },
        ['price.property close should not exist'],
      ],
      [
        '/api/trading/stocks/AAPL/price',
        { ...PRICE, price: { ...PRICE.price, last: 'x' } },
        [
          'price.last must not be less than 0',
          'price.last must be a number conforming to the specified constraints',
        ],
      ],
      [
        '/api/trading/stocks/AAPL/price',
        { timestamp: 'yesterday', price: PRICE.price },
        ['timestamp must be an ISO 8601 time such as 2025-05-09T08:15:30.123Z'],
      ],
      ['/api/trading/stocks/AAPL/price', { timestamp: PRICE.timestamp }, ['price must be an object']],
      [
        '/api/trading/stocks/aapl/price',
        PRICE,
        ['symbol must be a symbol such as AAPL (A-Z 0-9 . _ -, up to 32)'],
      ],
      [
        '/api/trading/stocks/AAPL/sentiment',
        { ...SENTIMENT, sentiment_score: 2 },
        ['sentiment_score must not be greater than 1'],
      ],
      [
        '/api/trading/stocks/AAPL/sentiment',
        { ...SENTIMENT, latest_news: [{ ...SENTIMENT.latest_news[0], url: 'ftp://x' }] },
        ['latest_news.0.url must be an http(s) URL'],
      ],
      [
        '/api/trading/positions/AAPL',
        { ...POSITION, side: 'up' },
        ['side must be one of the following values: long, short'],
      ],
      [
        '/api/trading/positions/AAPL',
        { ...POSITION, symbol: 'MSFT' },
        'symbol must be AAPL, the symbol of the path',
      ],
      [
        '/api/trading/signals/Entry/AAPL',
        ENTRY,
        ['signalType must be a lower-case signal type such as entry (a-z 0-9 _)'],
      ],
      [
        '/api/trading/signals/entry/AAPL',
        { ...ENTRY, indicators: { rsi: 'high' } },
        ['indicators must be an object of up to 64 names (A-Z a-z 0-9 _ . -) to finite numbers'],
      ],
      [
        '/api/trading/signals/entry/AAPL',
        { ...ENTRY, confidence: 1.5 },
        ['confidence must not be greater than 1'],
      ],
      [
        '/api/trading/watchlist',
        { symbols: WATCHLIST },
        'body must be a JSON array of symbols such as ["AAPL","MSFT"]',
      ],
      [
        '/api/trading/watchlist',
        ['AAPL', 'bad one', 'AAPL'],
        ['[1] must be a symbol such as AAPL (A-Z 0-9 . _ -, up to 32)', '[2] AAPL is listed twice'],
      ],
      ['/api/trading/candidates', [{ ...CANDIDATES[0], rank: 1 }], ['[0] property rank should not exist']],
      [
        '/api/trading/candidates',
        [CANDIDATES[0], { ...CANDIDATES[1], score: null }, 7],
        ['[1] score must be a number conforming to the specified constraints', '[2] must be an object'],
      ],
      ['/api/trading/candidates', { ...CANDIDATES[0] }, 'body must be a JSON array of ranked candidates'],
      [
        '/api/trading/system-state',
        { ...SYSTEM_STATE, active_positions_count: -1 },
        ['active_positions_count must not be less than 0'],
      ],
      [
        '/api/trading/performance',
        { ...PERFORMANCE, win_rate: 'most' },
        [
          'win_rate must not be greater than 1',
          'win_rate must not be less than 0',
          'win_rate must be a number conforming to the specified constraints',
        ],
      ],
      [
        '/api/trading/market-context',
        { ...MARKET, market_breadth: { ...MARKET.market_breadth, flat: 1 } },
        ['market_breadth.property flat should not exist'],
      ],
      [
        '/api/trading/market-context',
        { ...MARKET, vix: undefined },
        ['vix must not be less than 0', 'vix must be a number conforming to the specified constraints'],
      ],
    ];
    for (const [path, body, message] of cases) {
      const response = await put(path, body);
      const answer = (await response.json()) as { statusCode: number; message: string[] | string };
      const sorted = (m: string[] | string) => (Array.isArray(m) ? [...m].sort() : m);
      expect({ path, status: response.status, message: sorted(answer.message) }).toEqual({
        path,
        status: 400,
        message: sorted(message),
      });
    }
    // Only the API key's rate-limit counters were written.
    const written = async () => (await gateway.redis.keys('*')).filter((k) => !k.startsWith('rate_limit:'));
    expect(await written()).toEqual([]);
    const manyCandidates = Array.from({ length: 501 }, () => CANDIDATES[0]);
    expect((await put('/api/trading/candidates', manyCandidates)).status).toBe(400);
    expect(await written()).toEqual([]);
  });

  it('closes a position and withdraws a signal (204, then 404)', async () => {
    await put('/api/trading/positions/AAPL', POSITION);
    await put('/api/trading/signals/entry/AAPL', ENTRY);
    const closed = await gateway.request('/api/trading/positions/AAPL', { key, method: 'DELETE' });
    expect(closed.status).toBe(204);
    expect(await gateway.redis.exists('positions:active:AAPL')).toBe(0);
    expect((await gateway.request('/api/trading/positions/AAPL', { key, method: 'DELETE' })).status).toBe(
      404,
    );
    expect((await gateway.request('/api/trading/signals/entry/AAPL', { key, method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await gateway.request('/api/trading/signals/entry/AAPL', { key, method: 'DELETE' })).status).toBe(
      404,
    );
  });

  it('combines the context package for several symbols, null where a key is absent', async () => {
    await gateway.redis.flushdb();
    for (const [path, body] of WRITES) expect((await put(path, body)).status).toBe(200);
    await gateway.redis.set('stocks:indicators:AAPL', JSON.stringify(INDICATORS));
    await gateway.redis.set('positions:monitoring:AAPL', JSON.stringify(MONITORING));
    const before = Date.now();
    const response = await get('/api/trading/context?symbols=AAPL,MSFT,AAPL');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { generated_at: string };
    expect(Date.parse(body.generated_at)).toBeGreaterThanOrEqual(before - 1);
    expect(body).toEqual({
      generated_at: body.generated_at,
      symbols: {
        AAPL: {
          price: PRICE,
          indicators: INDICATORS,
          sentiment: SENTIMENT,
          position: POSITION,
          monitoring: MONITORING,
          signals: { entry: ENTRY, exit: EXIT },
        },
        MSFT: {
          price: null,
          indicators: null,
          sentiment: null,
          position: null,
          monitoring: null,
          signals: { entry: null, exit: null },
        },
      },
      watchlist: WATCHLIST,
      candidates: CANDIDATES,
      system_state: SYSTEM_STATE,
      performance: PERFORMANCE,
      market_context: MARKET,
    });
    expect(Object.keys((body as unknown as { symbols: object }).symbols)).toEqual(['AAPL', 'MSFT']);

    await gateway.redis.flushdb();
    expect(await (await get('/api/trading/context?symbols=TSLA')).json()).toMatchObject({
      symbols: { TSLA: { price: null, signals: { entry: null, exit: null } } },
      watchlist: null,
      candidates: null,
      system_state: null,
      performance: null,
      market_context: null,
    });
    for (const [path, message] of [
      ['/api/trading/context', 'symbols must be a comma-separated list of symbols'],
      [
        '/api/trading/context?symbols=',
        'each value in symbols must be a symbol such as AAPL (A-Z 0-9 . _ -)',
      ],
      [
        '/api/trading/context?symbols=AAPL,bad',
        'each value in symbols must be a symbol such as AAPL (A-Z 0-9 . _ -)',
      ],
      ['/api/trading/context?symbols=A,B,C,D', 'symbols must hold at most 3 symbols'],
    ] as const) {
      const bad = await get(path);
      expect({ path, status: bad.status }).toEqual({ path, status: 400 });
      const answer = (await bad.json()) as { message: string[] | string };
      expect(Array.isArray(answer.message) ? answer.message : [answer.message]).toContain(message);
    }
  });

  it('records a decision once: 201, then 200 for the same content, 409 for different content', async () => {
    const decision = {
      decision_id: 'llm-1',
      decided_at: '2025-05-09T09:45:30.123Z',
      symbol: 'AAPL',
      action: 'enter',
      side: 'long',
      quantity: 10,
      price: 150.25,
      stop_loss: 145,
      take_profit: 160,
      confidence: 0.85,
      reasoning: 'Breakout above 150 on 2x volume; RSI 65 leaves room.',
      model: 'trade-llm-v3',
      context: { symbols: { AAPL: { price: PRICE } }, watchlist: WATCHLIST },
    };
    const post = (json: unknown) => gateway.request('/api/trading/decisions', { key, method: 'POST', json });
    const created = await post(decision);
    expect(created.status).toBe(201);
    const row = (await created.json()) as { id: string; created_at: string };
    expect(row).toEqual({ ...decision, id: row.id, outcome: null, created_at: row.created_at });
    expect(Math.abs(Date.parse(row.created_at) - Date.now())).toBeLessThan(60_000);

    const retried = await post({
      ...decision,
      context: { watchlist: WATCHLIST, symbols: { AAPL: { price: PRICE } } },
    });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual(row);

    const conflicting = await post({ ...decision, action: 'skip' });
    expect(conflicting.status).toBe(409);
    expect(await conflicting.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'decision_id llm-1 was already recorded with different content',
    });
    const { rows } = await gateway.sql.query('SELECT action, reasoning FROM trading_decisions');
    expect(rows).toEqual([{ action: 'enter', reasoning: decision.reasoning }]);

    const minimal = {
      decision_id: 'llm-2',
      decided_at: '2025-05-09T10:00:00.000Z',
      symbol: 'MSFT',
      action: 'hold',
      reasoning: 'Nothing to do.',
      model: 'trade-llm-v3',
      context: {},
    };
    const second = await post(minimal);
    expect(second.status).toBe(201);
    expect(await second.json()).toMatchObject({
      ...minimal,
      side: null,
      quantity: null,
      price: null,
      stop_loss: null,
      take_profit: null,
      confidence: null,
      outcome: null,
    });

    const list = (path: string) =>
      get(path).then(async (r) =>
        ((await r.json()) as Array<{ decision_id: string }>).map((d) => d.decision_id),
      );
    expect(await list('/api/trading/decisions')).toEqual(['llm-2', 'llm-1']);
    expect(await list('/api/trading/decisions?symbol=AAPL')).toEqual(['llm-1']);
    expect(await list(`/api/trading/decisions?start=${Date.parse('2025-05-09T09:50:00Z')}`)).toEqual([
      'llm-2',
    ]);
    expect(await list(`/api/trading/decisions?end=${Date.parse('2025-05-09T09:50:00Z')}`)).toEqual(['llm-1']);
    expect(await list('/api/trading/decisions?limit=1')).toEqual(['llm-2']);
    expect(await list('/api/trading/decisions?symbol=TSLA')).toEqual([]);
  });

  it('refuses invalid decisions and queries with 400, storing nothing', async () => {
    const valid = {
      decision_id: 'llm-bad',
      decided_at: '2025-05-09T09:45:30.123Z',
      symbol: 'AAPL',
      action: 'enter',
      reasoning: 'r',
      model: 'm',
      context: {},
    };
    const cases: Array<[unknown, string]> = [
      [
        { ...valid, action: 'buy' },
        'action must be one of the following values: enter, exit, hold, adjust, skip',
      ],
      [{ ...valid, confidence: 2 }, 'confidence must not be greater than 1'],
      [{ ...valid, decided_at: 'now' }, 'decided_at must be an ISO 8601 time'],
      [{ ...valid, decision_id: 'has space' }, 'decision_id must be 1-128 of A-Z a-z 0-9 . _ : -'],
      [{ ...valid, context: 'text' }, 'context must be an object'],
      [{ ...valid, reasoning: '' }, 'reasoning must be longer than or equal to 1 characters'],
      [{ ...valid, extra: true }, 'property extra should not exist'],
    ];
    for (const [body, message] of cases) {
      const response = await gateway.request('/api/trading/decisions', { key, method: 'POST', json: body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string[] }).message).toContain(message);
    }
    const { rows } = await gateway.sql.query("SELECT 1 FROM trading_decisions WHERE decision_id = 'llm-bad'");
    expect(rows).toEqual([]);
    for (const path of [
      '/api/trading/decisions?limit=0',
      '/api/trading/decisions?start=2&end=1',
      '/api/trading/decisions?symbol=a b',
    ]) {
      expect((await get(path)).status).toBe(400);
    }
  });

  it('documents the routes in the OpenAPI document', async () => {
    const document = (await (await gateway.request('/openapi.json')).json()) as {
      paths: Record<string, object>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    for (const schema of [
      'TradingContextView',
      'SymbolContextView',
      'TradingSignalBody',
      'StockPriceBody',
      'TradingDecisionView',
    ])
      expect(Object.keys(document.components.schemas)).toContain(schema);
    expect(Object.keys(document.components.schemas['TradingContextView']!.properties!).sort()).toEqual([
      'candidates',
      'generated_at',
      'market_context',
      'performance',
      'symbols',
      'system_state',
      'watchlist',
    ]);
    for (const path of [
      '/api/trading/stocks/{symbol}/price',
      '/api/trading/stocks/{symbol}/indicators',
      '/api/trading/stocks/{symbol}/sentiment',
      '/api/trading/positions/{symbol}',
      '/api/trading/positions/{symbol}/monitoring',
      '/api/trading/signals/{signalType}/{symbol}',
      '/api/trading/watchlist',
      '/api/trading/candidates',
      '/api/trading/system-state',
      '/api/trading/performance',
      '/api/trading/market-context',
      '/api/trading/context',
      '/api/trading/decisions',
    ])
      expect(Object.keys(document.paths)).toContain(path);
    expect(Object.keys(document.paths['/api/trading/positions/{symbol}']!).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
  });
});
