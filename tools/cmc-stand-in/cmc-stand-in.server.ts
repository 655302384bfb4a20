import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CmcStatus } from '@mdp/domain-velocity';
import { CmcListingsGenerator } from './cmc-listings.generator';

/** Answers the stand-in can be told to give instead of data (tests, demos). */
export const STAND_IN_FAULTS = [
  '429',
  '500',
  '503',
  'malformed',
  'invalid-listings',
  'error-envelope',
  'spike',
  'stale',
] as const;
export type StandInFault = (typeof STAND_IN_FAULTS)[number];

export interface CmcStandInOptions {
  /** The key the stand-in accepts in `X-CMC_PRO_API_KEY`. */
  apiKey: string;
  tokens?: number;
  seed?: number;
  /** Clock of the listings (tests pin it). */
  now?: () => number;
}

const LISTINGS_PATH = '/v1/cryptocurrency/listings/latest';
const QUOTES_PATH = '/v2/cryptocurrency/quotes/latest';
const FAULT_PATH = '/__stand-in/faults';
const LAST_PATH = '/__stand-in/last-listings';

/**
 * A local stand-in for the CoinMarketCap Pro API: `GET /v1/cryptocurrency/listings/latest`
 * (`start`, `limit`, `convert=USD`) and `GET /v2/cryptocurrency/quotes/latest?id=1,2`, with the
 * real response envelope (`status`: timestamp, error_code, error_message, elapsed, credit_count,
 * notice), the `X-CMC_PRO_API_KEY` header check (401 / 1001 invalid key, 401 / 1002 missing key),
 * credits of 1 per 200 listings returned, and faults queued on demand: HTTP 429 (error_code 1008),
 * 500, 503, a malformed body, listings that fail validation, HTTP 200 with a non-zero error_code, or a
 * `spike` (Bitcoin's price and market cap five times too high, once), or `stale` (every quote's
 * `last_updated` ten minutes old, once).
 * `POST /__stand-in/faults?kind=429&count=2` queues faults from another process;
 * `GET /__stand-in/last-listings` returns the last listings answer served.
 */
export class CmcStandInServer {
  readonly generator: CmcListingsGenerator;
  private readonly server: Server;
  private readonly faults: StandInFault[] = [];
  private readonly now: () => number;
  /** Body of the last successful listings answer (`GET /__stand-in/last-listings`), for tests. */
  private lastListings: string | null = null;
  /** Requests answered, by path (incl. failed ones), and credits charged. */
  readonly stats = { listingsRequests: 0, quotesRequests: 0, creditsCharged: 0, faultsServed: 0 };

  constructor(private readonly options: CmcStandInOptions) {
    this.generator = new CmcListingsGenerator(options.tokens ?? 500, options.seed ?? 7);
    this.now = options.now ?? Date.now;
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.keepAliveTimeout = 65_000;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Queues `count` faulty answers to the next data requests. */
  fail(kind: StandInFault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(kind);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const started = process.hrtime.bigint();
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
    if (url.pathname === '/health/live' || url.pathname === '/health/ready') {
      return send(response, 200, { status: 'up' });
    }
    if (url.pathname === LAST_PATH) {
      response.writeHead(this.lastListings === null ? 404 : 200, { 'content-type': 'application/json' });
      response.end(this.lastListings ?? '{}');
      return;
    }
    if (url.pathname === FAULT_PATH && request.method === 'POST') {
      const kind = url.searchParams.get('kind') as StandInFault;
      if (!STAND_IN_FAULTS.includes(kind))
        return send(response, 400, { error: `kind must be one of ${STAND_IN_FAULTS.join(', ')}` });
      this.fail(kind, Number(url.searchParams.get('count') ?? '1'));
      return send(response, 200, { queued: this.faults.length });
    }
    const isListings = url.pathname === LISTINGS_PATH;
    const isQuotes = url.pathname === QUOTES_PATH;
    if (!isListings && !isQuotes) {
      return send(response, 404, failure(this.now(), 404, `Not found: ${url.pathname}`, elapsed(), 0));
    }
    if (isListings) this.stats.listingsRequests += 1;
    else this.stats.quotesRequests += 1;
    const key = request.headers['x-cmc_pro_api_key'];
    if (key === undefined || key === '') {
      return send(response, 401, failure(this.now(), 1002, 'API key missing.', elapsed(), 0));
    }
    if (key !== this.options.apiKey) {
      return send(response, 401, failure(this.now(), 1001, 'This API Key is invalid.', elapsed(), 0));
    }
    let fault = this.faults.shift();
    let spike = false;
    let stale = false;
    if (fault === 'spike' || fault === 'stale') {
      spike = fault === 'spike';
      stale = fault === 'stale';
      fault = undefined;
    }
    if (fault) {
      this.stats.faultsServed += 1;
      return this.serveFault(fault, response, elapsed());
    }
    const convert = url.searchParams.get('convert') ?? 'USD';
    if (convert !== 'USD') {
      return send(
        response,
        400,
        failure(this.now(), 400, `Invalid value for "convert": "${convert}"`, elapsed(), 0),
      );
    }
    if (isQuotes) return this.serveQuotes(url, response, elapsed);
    const start = Number(url.searchParams.get('start') ?? '1');
    const limit = Number(url.searchParams.get('limit') ?? '100');
    if (!Number.isInteger(start) || start < 1) {
      return send(
        response,
        400,
        failure(this.now(), 400, '"start" must be a positive integer', elapsed(), 0),
      );
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) {
      return send(
        response,
        400,
        failure(this.now(), 400, '"limit" must be an integer from 1 to 5000', elapsed(), 0),
      );
    }
    const data = this.generator.listings(this.now(), start, limit);
    if (stale) {
      // Quotes that stopped updating ten minutes ago.
      const old = new Date(this.now() - 600_000).toISOString();
      for (const listing of data) {
        listing.last_updated = old;
        listing.quote.USD.last_updated = old;
      }
    }
    const spiked = spike ? data.find((listing) => listing.id === 1) : undefined;
    if (spiked) {
      // A bad tick: Bitcoin's price (and so its market cap) five times too high.
      spiked.quote.USD.price = spiked.quote.USD.price! * 5;
      spiked.quote.USD.market_cap = spiked.quote.USD.market_cap! * 5;
    }
    const credits = Math.max(1, Math.ceil(data.length / 200));
    this.stats.creditsCharged += credits;
    const status = envelope(this.now(), 0, null, elapsed(), credits);
    status.total_count = this.generator.count;
    const text = JSON.stringify({ status, data });
    this.lastListings = text;
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
    return;
  }

  private serveQuotes(url: URL, response: ServerResponse, elapsed: () => number): void {
    const ids = (url.searchParams.get('id') ?? '').split(',').filter(Boolean).map(Number);
    if (ids.length === 0 || ids.some((id) => !Number.isInteger(id))) {
      return send(
        response,
        400,
        failure(this.now(), 400, '"id" must be a comma-separated list of integers', elapsed(), 0),
      );
    }
    const all = this.generator.listings(this.now(), 1, this.generator.count);
    const data: Record<string, unknown> = {};
    for (const listing of all) if (ids.includes(listing.id)) data[String(listing.id)] = listing;
    const credits = Math.max(1, Math.ceil(ids.length / 100));
    this.stats.creditsCharged += credits;
    return send(response, 200, { status: envelope(this.now(), 0, null, elapsed(), credits), data });
  }

  private serveFault(
    fault: Exclude<StandInFault, 'spike' | 'stale'>,
    response: ServerResponse,
    elapsed: number,
  ): void {
    switch (fault) {
      case '429':
        response.setHeader('Retry-After', '1');
        return send(
          response,
          429,
          failure(
            this.now(),
            1008,
            "You've exceeded your API Key's HTTP request rate limit. Rate limits reset every minute.",
            elapsed,
            0,
          ),
        );
      case '500':
        return send(
          response,
          500,
          failure(this.now(), 500, 'An internal server error occurred.', elapsed, 0),
        );
      case '503':
        return send(response, 503, failure(this.now(), 503, 'Service temporarily unavailable.', elapsed, 0));
      case 'malformed':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          '{"status":{"timestamp":"' +
            new Date(this.now()).toISOString() +
            '","error_code":0,"data":[{"id":1,',
        );
        return;
      case 'invalid-listings': {
        const data = this.generator
          .listings(this.now(), 1, 20)
          .map((listing) => ({ id: listing.id, name: listing.name, quote: {} }));
        return send(response, 200, { status: envelope(this.now(), 0, null, elapsed, 1), data });
      }
      case 'error-envelope':
        return send(response, 200, failure(this.now(), 1011, "You've hit an IP rate limit.", elapsed, 0));
    }
  }
}

function envelope(
  nowMs: number,
  errorCode: number,
  message: string | null,
  elapsed: number,
  credits: number,
): CmcStatus {
  return {
    timestamp: new Date(nowMs).toISOString(),
    error_code: errorCode,
    error_message: message,
    elapsed,
    credit_count: credits,
    notice: null,
  };
}

function send(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** An error answer: the envelope alone, no `data` (as CoinMarketCap sends). */
function failure(
  nowMs: number,
  errorCode: number,
  message: string,
  elapsed: number,
  credits: number,
): { status: CmcStatus } {
  return { status: envelope(nowMs, errorCode, message, elapsed, credits) };
}
