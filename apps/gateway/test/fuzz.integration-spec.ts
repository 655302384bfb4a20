import fc from 'fast-check';
import { startGateway, type GatewayHarness } from './gateway.harness';

/**
 * Issue 11, case 11 (the gateway's part): fuzzed requests to every route of the OpenAPI document,
 * from a property-based generator. None may answer 5xx, and a refused request (4xx) must change
 * nothing in Redis or the database. FUZZ_RUNS sets the number of requests (CI: 400).
 */
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 400);

interface Operation {
  method: string;
  path: string;
  query: string[];
  hasBody: boolean;
}

const nasty = fc.constantFrom(
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  '9007199254740993',
  'null',
  'true',
  '[]',
  '{}',
  '../../etc/passwd',
  '%00',
  "' OR 1=1 --",
  '<script>',
  'BTC',
  'ETH',
  '1m',
  '5m',
  'x'.repeat(5_000),
  '\u0000',
  '😀',
);
const value = fc.oneof(
  nasty,
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
);
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((json) => JSON.stringify(json)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{', '{"key":', '[1,2', 'null', '"str"', '{"__proto__":{"polluted":true}}'),
  fc.dictionary(fc.string({ maxLength: 12 }), value).map((object) => JSON.stringify(object)),
);
const contentType = fc.constantFrom(
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  undefined,
);

describe('fuzzed gateway requests', () => {
  let gateway: GatewayHarness;
  let key: string;
  let operations: Operation[];

  beforeAll(async () => {
    gateway = await startGateway();
    key = await gateway.createKey('enterprise', { perMinute: 1_000_000, perMonth: 100_000_000 });
    const document = (await (await gateway.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }>
      >;
    };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        query: (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'query')
          .map((p) => p.name),
        hasBody: operation.requestBody !== undefined,
      })),
    );
    // Something for deletes and reads to find (and, when refused, to leave alone).
    await gateway.redis.set('liquidity-flow:BTC:5m:1697558400000', '{"kept":true}', 'EX', 3600);
    await gateway.redis.zadd(
      'liquidity-flow:BTC:5m:index',
      1697558400000,
      'liquidity-flow:BTC:5m:1697558400000',
    );
    await gateway.redis.set('watchlist:current', '["AAPL"]');
  });
  afterAll(async () => {
    await gateway?.close();
  });

  /** Everything a refused request must not change: every key but counters and read caches, and the decisions. */
  async function state(): Promise<string> {
    // Reads fill the token caches (seed 003) and count requests: those keys may change on any request.
    const keys = (await gateway.redis.keys('*'))
      .filter((k) => !/^(rate_limit:|tokens?:|velocity:|ws_)/.test(k))
      .sort();
    const values = await Promise.all(
      keys.map(async (k) => `${k}=${(await gateway.redis.dumpBuffer(k))?.toString('base64') ?? ''}`),
    );
    const decisions = await gateway.sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM trading_decisions',
    );
    return `${values.join('\n')}\ndecisions=${decisions.rows[0]!.n}`;
  }

  it('never answers 5xx, and a refused request changes nothing', async () => {
    expect(operations.length).toBeGreaterThan(30);
    let before = await state();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(value, { minLength: 3, maxLength: 3 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), value, { maxKeys: 3 }),
        fc.array(value, { maxLength: 4 }),
        body,
        contentType,
        async (pick, pathValues, extraQuery, queryValues, rawBody, type) => {
          const operation = operations[pick % operations.length]!;
          let segment = 0;
          const path = operation.path.replace(/\{[^}]+\}/g, () =>
            encodeURIComponent(pathValues[segment++ % 3]!),
          );
          const query = new URLSearchParams();
          operation.query.forEach((name, i) => {
            if (i < queryValues.length) query.set(name, queryValues[i]!);
          });
          for (const [name, v] of Object.entries(extraQuery)) query.set(name, v);
          const headers: Record<string, string> = { 'x-api-key': key };
          const sendsBody = operation.method !== 'GET' && operation.method !== 'HEAD';
          if (sendsBody && type) headers['content-type'] = type;
          const search = query.toString();
          const response = await fetch(`${gateway.url}${path}${search ? `?${search}` : ''}`, {
            method: operation.method,
            headers,
            body: sendsBody ? rawBody : undefined,
          });
          const text = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500)
            throw new Error(
              `${operation.method} ${path}?${search} answered ${response.status}: ${text.slice(0, 300)}`,
            );
          if (response.status >= 400) {
            const error = JSON.parse(text) as { statusCode: unknown; message: unknown };
            expect(error.statusCode).toBe(response.status);
            expect(error.message).toBeDefined();
            if (sendsBody) {
              const after = await state();
              if (after !== before) {
                const was = new Set(before.split('\n'));
                const now = new Set(after.split('\n'));
                const diff = [...now]
                  .filter((line) => !was.has(line))
                  .concat([...was].filter((line) => !now.has(line)).map((line) => `-${line}`));
                throw new Error(
                  `refused ${operation.method} ${path} (${response.status}) changed state: ${diff.join(' | ').slice(0, 400)}`,
                );
              }
            }
          } else if (sendsBody) {
            before = await state(); // an accepted write: the new state is the reference
          }
        },
      ),
      { numRuns: RUNS },
    );
    process.stdout.write(`fuzzed gateway statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(Object.prototype.hasOwnProperty.call({}, 'polluted')).toBe(false);
  }, 120_000);
});
