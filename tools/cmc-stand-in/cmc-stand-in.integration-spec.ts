import { validateListing, type CmcListingsResponse } from '@mdp/domain-velocity';
import { CmcStandInServer } from './cmc-stand-in.server';

const T = Date.UTC(2026, 0, 10, 12, 0, 0);

describe(CmcStandInServer.name, () => {
  let now = T;
  const server = new CmcStandInServer({ apiKey: 'k', tokens: 300, now: () => now });
  let base = '';

  beforeAll(async () => {
    await server.listen(0);
    base = server.url;
  });
  afterAll(() => server.close());

  const get = (path: string, key: string | null = 'k') =>
    fetch(`${base}${path}`, { headers: key === null ? {} : { 'X-CMC_PRO_API_KEY': key } });

  it('checks the API key header with the documented codes', async () => {
    const missing = await get('/v1/cryptocurrency/listings/latest', null);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as CmcListingsResponse).status.error_code).toBe(1002);
    const wrong = await get('/v1/cryptocurrency/listings/latest', 'other');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as CmcListingsResponse).status.error_code).toBe(1001);
  });

  it('serves every token in market-cap order with the status envelope, and every listing validates', async () => {
    const response = await get('/v1/cryptocurrency/listings/latest?start=1&limit=5000&convert=USD');
    expect(response.status).toBe(200);
    const body = (await response.json()) as CmcListingsResponse;
    expect(body.status.error_code).toBe(0);
    expect(body.status.error_message).toBeNull();
    expect(body.status.credit_count).toBe(2); // 300 listings, 1 credit per 200
    expect(body.status.total_count).toBe(300);
    const data = body.data!;
    expect(data).toHaveLength(300);
    expect(data.map((l) => l.cmc_rank)).toEqual(data.map((_, i) => i + 1));
    for (let i = 1; i < data.length; i++) {
      expect(data[i - 1]!.quote.USD.market_cap!).toBeGreaterThanOrEqual(data[i]!.quote.USD.market_cap!);
    }
    expect(data.every((listing) => validateListing(listing).ok)).toBe(true);
    expect(data.find((l) => l.symbol === 'BTC')?.id).toBe(1);
  });

  it('moves prices and volumes as time passes', async () => {
    const first = (
      (await (await get('/v1/cryptocurrency/listings/latest?limit=50')).json()) as CmcListingsResponse
    ).data!;
    now += 60_000;
    const second = (
      (await (await get('/v1/cryptocurrency/listings/latest?limit=50')).json()) as CmcListingsResponse
    ).data!;
    const btc1 = first.find((l) => l.id === 1)!;
    const btc2 = second.find((l) => l.id === 1)!;
    expect(btc2.quote.USD.price).not.toBe(btc1.quote.USD.price);
    expect(btc2.quote.USD.volume_24h).not.toBe(btc1.quote.USD.volume_24h);
    expect(btc2.quote.USD.last_updated).toBe(new Date(now).toISOString());
  });

  it('answers queued faults in order, then data again', async () => {
    server.fail('429');
    server.fail('500');
    server.fail('malformed');
    const limited = await get('/v1/cryptocurrency/listings/latest');
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as CmcListingsResponse).status.error_code).toBe(1008);
    const broken = await get('/v1/cryptocurrency/listings/latest');
    expect(broken.status).toBe(500);
    const malformed = await get('/v1/cryptocurrency/listings/latest');
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();
    expect((await get('/v1/cryptocurrency/listings/latest')).status).toBe(200);
  });

  it('rejects bad parameters with HTTP 400 and error_code 400', async () => {
    const response = await get('/v1/cryptocurrency/listings/latest?limit=0');
    expect(response.status).toBe(400);
    expect(((await response.json()) as CmcListingsResponse).status.error_code).toBe(400);
  });
});
