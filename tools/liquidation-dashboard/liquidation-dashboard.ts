/**
 * The monitoring dashboard of seed 001 (section 6): memory, storage mode, evictions and liquidation
 * statistics, live in the terminal.
 *
 *   node -r @swc-node/register tools/liquidation-dashboard/liquidation-dashboard.ts --redis-url redis://localhost:6379/0 --refresh 1
 *
 * Options: --redis-url (default redis://127.0.0.1:6379), --refresh seconds (default 1), --window
 * minutes of the per-symbol statistics (default 60), --once (print one frame without colours and exit),
 * --max-memory (used when the server has no maxmemory, default 240mb). Ctrl-C quits.
 */
import {
  ActiveSignalRepository,
  DetectorStateRepository,
  LiquidationStoreRepository,
} from '@mdp/data-access-liquidation';
import { createRedisConnection, type RedisClient } from '@mdp/platform';
import { renderDashboard, type DashboardSnapshot } from './liquidation-dashboard.view';

interface Options {
  redisUrl: string;
  refreshSeconds: number;
  windowMinutes: number;
  once: boolean;
  maxMemoryBytes: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    redisUrl: 'redis://127.0.0.1:6379',
    refreshSeconds: 1,
    windowMinutes: 60,
    once: false,
    maxMemoryBytes: 240 * 1024 * 1024,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (name === '--redis-url') options.redisUrl = value();
    else if (name === '--refresh') options.refreshSeconds = Number(value());
    else if (name === '--window') options.windowMinutes = Number(value());
    else if (name === '--max-memory') {
      const match = /^(\d+)(mb)?$/i.exec(value());
      options.maxMemoryBytes = match ? Number(match[1]) * (match[2] ? 1048576 : 1) : Number.NaN;
    } else if (name === '--once') options.once = true;
    else if (name === '--help' || name === '-h') {
      process.stdout.write(
        'usage: liquidation-dashboard [--redis-url URL] [--refresh SECONDS] [--window MINUTES] [--once]\n',
      );
      process.exit(0);
    } else {
      process.stderr.write(`unknown option ${arg}\n`);
      process.exit(2);
    }
  }
  if (!(options.refreshSeconds > 0) || !(options.windowMinutes > 0) || !(options.maxMemoryBytes > 0)) {
    process.stderr.write('--refresh, --window and --max-memory must be positive numbers\n');
    process.exit(2);
  }
  return options;
}

async function snapshot(redis: RedisClient, options: Options): Promise<DashboardSnapshot> {
  const state = new DetectorStateRepository(redis);
  const store = new LiquidationStoreRepository(redis);
  const signals = new ActiveSignalRepository(redis);
  const [memory, storage, counters, symbols, active] = await Promise.all([
    state.readMemory(options.maxMemoryBytes),
    state.storageState(),
    state.counters(),
    store.symbols(),
    signals.activeSymbols(),
  ]);
  const at = Date.now();
  const stats = await Promise.all(symbols.map((symbol) => store.stats(symbol, options.windowMinutes, at)));
  const activeSignals = (await Promise.all(active.map((symbol) => signals.active(symbol)))).filter(
    (s) => s !== null,
  );
  return {
    redisUrl: options.redisUrl,
    at,
    memory,
    storage,
    counters,
    windowMinutes: options.windowMinutes,
    stats,
    signals: activeSignals,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const redis = createRedisConnection(options.redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  if (options.once) {
    process.stdout.write(`${renderDashboard(await snapshot(redis, options), false)}\n`);
    redis.disconnect();
    return;
  }
  let stopped = false;
  process.on('SIGINT', () => {
    stopped = true;
    process.stdout.write('\x1b[?25h\n');
    redis.disconnect();
    process.exit(0);
  });
  process.stdout.write('\x1b[?25l');
  while (!stopped) {
    try {
      const frame = renderDashboard(await snapshot(redis, options), true);
      process.stdout.write(
        `\x1b[2J\x1b[H${frame}\n\x1b[2mrefresh ${options.refreshSeconds}s - Ctrl-C to quit\x1b[0m\n`,
      );
    } catch (error) {
      process.stdout.write(
        `\x1b[2J\x1b[H\x1b[31mRedis not reachable at ${options.redisUrl}: ${error instanceof Error ? error.message : String(error)}\x1b[0m\n`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.refreshSeconds * 1000));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
