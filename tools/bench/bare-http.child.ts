/**
 * The baseline of the gateway benchmark: a bare node:http server answering fixed bytes per path
 * (query ignored), with the gateway's content type. BARE_ROUTES is a JSON object of path -> file
 * holding the body. Prints `listening <port>` once it accepts connections.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const routes = new Map<string, Buffer>();
for (const [path, file] of Object.entries(
  JSON.parse(process.env['BARE_ROUTES'] ?? '{}') as Record<string, string>,
))
  routes.set(path, readFileSync(file));

const server = createServer((request, response) => {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const body = routes.get(query < 0 ? url : url.slice(0, query));
  if (body === undefined) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  response.end(body);
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
