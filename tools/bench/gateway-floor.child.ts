/**
 * The gateway benchmark's middle line: the gateway's per-request work without NestJS. Fastify alone,
 * checking the API key the gateway's way (SHA-256, looked up in memory), counting the request with
 * the gateway's own RateLimiter (the same Lua script in Redis), and answering the stored bytes from
 * Redis (`retrieve`: the `key` query parameter; `/api/tokens`: the default list cache key). What the
 * gateway costs beyond this line is Nest's request pipeline. FLOOR_REDIS_URL, FLOOR_API_KEY_HASH;
 * FLOOR_SKIP (comma-separated, to split the cost): `limit` leaves the rate-limit script out, `read`
 * answers bytes read once at the first request instead of reading Redis per request.
 * Prints `listening <port>` once it accepts connections.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { RateLimiter } from '../../apps/gateway/src/auth/rate-limiter';

const redis = new Redis(process.env['FLOOR_REDIS_URL'] ?? 'redis://127.0.0.1:6379/12', {
  // FLOOR_AUTOPIPELINING=false: every command written at once instead of batched per event-loop turn.
  enableAutoPipelining: process.env['FLOOR_AUTOPIPELINING'] !== 'false',
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
});
const limiter = new RateLimiter(redis);
const keys = new Map([[process.env['FLOOR_API_KEY_HASH'] ?? '', { perMinute: 2 ** 30, perMonth: 2 ** 30 }]]);
const app = Fastify({ logger: false });
const skip = new Set((process.env['FLOOR_SKIP'] ?? '').split(',').filter(Boolean));
const held = new Map<string, Buffer | null>();

async function read(redisKey: string): Promise<Buffer | null> {
  if (!skip.has('read')) return redis.getBuffer(redisKey);
  if (!held.has(redisKey)) held.set(redisKey, await redis.getBuffer(redisKey));
  return held.get(redisKey)!;
}

async function answer(apiKey: unknown, redisKey: string, reply: FastifyReply): Promise<FastifyReply> {
  const hash = createHash('sha256').update(String(apiKey), 'utf8').digest('hex');
  const record = keys.get(hash);
  if (!record)
    return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'invalid API key' });
  if (!skip.has('limit')) {
    const verdict = await limiter.consume(hash, record.perMinute, record.perMonth);
    if (!verdict.allowed) return reply.code(429).send({ statusCode: 429 });
  }
  const body = await read(redisKey);
  if (body === null) return reply.code(404).send({ statusCode: 404 });
  return reply.header('content-type', 'application/json; charset=utf-8').send(body);
}

app.get('/api/liquidity-flow/retrieve', (request, reply) =>
  answer(request.headers['x-api-key'], String((request.query as { key?: string }).key), reply),
);
app.get('/api/tokens', (request, reply) =>
  answer(request.headers['x-api-key'], 'tokens:list:market_cap:100:0', reply),
);

void app.listen({ port: 0, host: '127.0.0.1' }).then(() => {
  process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
});
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
