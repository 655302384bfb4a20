/**
 * `npm start`: runs the whole system on this machine, offline.
 *
 * 1. Makes sure Redis and PostgreSQL answer (REDIS_URL / DATABASE_URL, else the local services,
 *    started by tools/ci/ensure-services.sh when they are down).
 * 2. Applies the warm-store migrations (when the migration command exists).
 * 3. Starts every app under apps/ in the order below, each on its own HTTP port, with its output
 *    prefixed by its name; Ctrl-C stops them all gracefully (SIGTERM, then waits).
 *
 * Each app reads its settings from the environment (see .env.example); a `.env` file in the repo
 * root is loaded first if present.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

const ROOT = path.resolve(__dirname, '../..');
/** The services' own default (see .env.example). */
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/mdp';
/** `script`: a process that is not an app under apps/ (e.g. a stand-in server), relative to the repo root. */
const APPS: Array<{ name: string; port: number; script?: string }> = [
  { name: 'ingestion', port: 3001 },
  { name: 'liquidation-detector', port: 3002 },
  { name: 'flow-aggregator', port: 3003 },
  { name: 'cmc-stand-in', port: 4100, script: 'tools/cmc-stand-in/main.ts' },
  { name: 'velocity-poller', port: 3004 },
  { name: 'warm-writer', port: 3005 },
  { name: 'gateway', port: 3000 },
];

function loadDotEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const file = path.join(ROOT, '.env');
  if (!existsSync(file)) return env;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (match && env[match[1]!] === undefined) env[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return env;
}

function say(line: string): void {
  process.stdout.write(`[start] ${line}\n`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { cwd: ROOT, env, stdio: 'inherit' });
  if (result.status !== 0) {
    say(`${command} ${args.join(' ')} failed (exit ${result.status}); stopping`);
    process.exit(1);
  }
}

/** Creates the warm-store database named by DATABASE_URL (default `mdp`) when the server lacks it. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      say(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/**
 * The gateway on a developer machine: GET requests work without an API key (per-IP limit), so the
 * web page and curl work at once; an explicit ANONYMOUS_RATE_LIMIT_PER_MINUTE (0 = keys only) wins.
 */
function localGatewayEnv(env: NodeJS.ProcessEnv, ports: Record<string, string>): NodeJS.ProcessEnv {
  // The web view's status strip asks each service started here for its readiness.
  const services = Object.entries(ports)
    .filter(([name]) => name !== 'gateway' && name !== 'cmc-stand-in')
    .map(([name, port]) => `${name}=http://127.0.0.1:${port}`)
    .join(',');
  return {
    ANONYMOUS_RATE_LIMIT_PER_MINUTE: env['ANONYMOUS_RATE_LIMIT_PER_MINUTE'] ?? '1200',
    STATUS_SERVICE_URLS: env['STATUS_SERVICE_URLS'] ?? services,
  };
}

/** Whether the web view (apps/web) needs building: never built, or a source is newer than the bundle. */
function webViewStale(): boolean {
  const bundle = path.join(ROOT, 'dist/apps/web/app.js');
  if (!existsSync(bundle) || !existsSync(path.join(ROOT, 'dist/apps/web/index.html'))) return true;
  const built = statSync(bundle).mtimeMs;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) =>
      entry.isDirectory()
        ? newer(path.join(dir, entry.name))
        : statSync(path.join(dir, entry.name)).mtimeMs > built,
    );
  return newer(path.join(ROOT, 'apps/web/src'));
}

async function main(): Promise<void> {
  const env = loadDotEnv();
  say('checking Redis and PostgreSQL');
  run('bash', [path.join(ROOT, 'tools/ci/ensure-services.sh')], env);
  await ensureDatabase(env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL);

  const migrate = path.join(ROOT, 'tools/migrate/migrate.ts');
  if (existsSync(migrate)) {
    say('applying warm-store migrations');
    run(process.execPath, ['-r', '@swc-node/register', migrate], env);
  }

  const webBuild = path.join(ROOT, 'apps/web/build.js');
  if (existsSync(webBuild) && webViewStale()) {
    say('building the web view (apps/web -> dist/apps/web)');
    run(process.execPath, [webBuild], env);
  }

  const children: ChildProcess[] = [];
  const ports: Record<string, string> = {};
  let gatewayUrl: string | null = null;
  for (const app of APPS) {
    const main = path.join(ROOT, app.script ?? path.join('apps', app.name, 'src', 'main.ts'));
    if (!existsSync(main)) continue;
    // One port per app: <APP>_HTTP_PORT (e.g. GATEWAY_HTTP_PORT) overrides the default below.
    const port = env[`${app.name.toUpperCase().replace(/-/g, '_')}_HTTP_PORT`] ?? String(app.port);
    ports[app.name] = port;
    if (app.name === 'gateway') gatewayUrl = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
      cwd: ROOT,
      env: { ...env, ...(app.name === 'gateway' ? localGatewayEnv(env, ports) : {}), HTTP_PORT: port },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = `[${app.name}] `;
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
      });
    }
    child.on('exit', (code, signal) => say(`${app.name} exited (${signal ?? code})`));
    children.push(child);
    say(`started ${app.name}: http://127.0.0.1:${port}/health/ready`);
  }
  if (gatewayUrl) {
    say(`web view: ${gatewayUrl}/app/ (flow map, liquidations, tokens, candles, status)`);
    say(`gateway API: ${gatewayUrl}/api/... (OpenAPI document: ${gatewayUrl}/openapi.json)`);
    say('  without a key: GET requests, 1200 per minute per client (ANONYMOUS_RATE_LIMIT_PER_MINUTE)');
    say('  a key for everything: npm run api-keys -- create --name me --tier pro');
  }
  if (children.length === 0) {
    say('no apps to start');
    return;
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say('stopping every service');
    for (const child of children) child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
