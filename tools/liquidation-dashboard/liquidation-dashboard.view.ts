import type {
  DetectorCounters,
  LiquidationStats,
  RedisMemoryReading,
  StorageState,
} from '@mdp/data-access-liquidation';
import type { LiquidationSignalMessage } from '@mdp/schemas';

/** Everything one frame of the dashboard shows. */
export interface DashboardSnapshot {
  redisUrl: string;
  at: number;
  memory: RedisMemoryReading;
  storage: StorageState | null;
  counters: DetectorCounters;
  windowMinutes: number;
  stats: LiquidationStats[];
  signals: LiquidationSignalMessage[];
}

const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const YELLOW = '\x1b[33m';
const CYAN = '\x1b[36m';

function paint(text: string, color: string, ansi: boolean): string {
  return ansi ? `${color}${text}${RESET}` : text;
}

function bar(pct: number, width = 30): string {
  const filled = Math.max(0, Math.min(width, Math.round((pct / 100) * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function usd(value: number): string {
  return `$${Math.round(value).toLocaleString('en-US')}`;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/**
 * One frame of the seed 001 monitoring dashboard (its "Redis Monitor" and "Liquidation Stats"
 * blocks): memory, storage mode, evictions, the detector's counters, statistics per symbol for the
 * window, and the active signals. Plain text; ANSI colours when `ansi`.
 */
export function renderDashboard(snapshot: DashboardSnapshot, ansi = true): string {
  const { memory, storage, counters } = snapshot;
  const memoryColor = memory.usedPct > 90 ? RED : memory.usedPct >= 75 ? YELLOW : GREEN;
  const mode = storage?.mode ?? 'unknown (detector not running)';
  const modeColor = mode === 'normal' ? GREEN : mode === 'reduced' ? YELLOW : RED;
  const lines: string[] = [];
  lines.push(
    paint(`Liquidation detector - ${snapshot.redisUrl} - ${new Date(snapshot.at).toISOString()}`, BOLD, ansi),
  );
  lines.push('');
  lines.push(paint('Redis Monitor', CYAN, ansi));
  lines.push(
    `  Memory:        ${paint(`${(memory.usedBytes / 1048576).toFixed(1)}MB / ${(memory.maxBytes / 1048576).toFixed(0)}MB (${memory.usedPct.toFixed(1)}%)`, memoryColor, ansi)} ${bar(memory.usedPct)}`,
  );
  lines.push(`  Storage Mode:  ${paint(mode, modeColor, ansi)}`);
  lines.push(`  Evicted Keys:  ${memory.evictedKeys}`);
  lines.push(`  Policy:        ${memory.policy}`);
  if (memory.usedPct > 90) lines.push(paint('  CRITICAL: Redis memory usage above 90%!', RED + BOLD, ansi));
  lines.push('');
  lines.push(paint('Liquidation Stats', CYAN, ansi));
  lines.push(`  Processed:          ${counters.processed}`);
  lines.push(`  Filtered:           ${counters.filtered}`);
  lines.push(`  Stored:             ${counters.stored}`);
  lines.push(`  Memory Rejections:  ${counters.memory_rejections}`);
  lines.push(`  Signals:            ${counters.signals}`);
  lines.push('');
  lines.push(paint(`Per symbol, last ${snapshot.windowMinutes} min`, CYAN, ansi));
  lines.push(
    paint(
      `  ${pad('symbol', 12)}${pad('count', 8, true)}${pad('volume', 16, true)}${pad('buys', 8, true)}${pad('buy vol', 16, true)}${pad('sells', 8, true)}${pad('sell vol', 16, true)}`,
      DIM,
      ansi,
    ),
  );
  if (snapshot.stats.length === 0) lines.push('  (no stored liquidations)');
  for (const s of snapshot.stats) {
    lines.push(
      `  ${pad(s.symbol, 12)}${pad(String(s.total_count), 8, true)}${pad(usd(s.total_volume), 16, true)}${pad(String(s.buy_count), 8, true)}${pad(usd(s.buy_volume), 16, true)}${pad(String(s.sell_count), 8, true)}${pad(usd(s.sell_volume), 16, true)}`,
    );
  }
  lines.push('');
  lines.push(paint('Active signals', CYAN, ansi));
  if (snapshot.signals.length === 0) lines.push('  (none)');
  for (const signal of snapshot.signals) {
    const color = signal.side === 'buy' ? GREEN : RED;
    lines.push(
      `  ${pad(signal.symbol, 12)}${paint(pad(signal.side.toUpperCase(), 5), color, ansi)} ${signal.entryReason}  price ${signal.price.toFixed(2)}  vwap ${signal.vwap.toFixed(2)}  dev ${signal.vwapDeviation.toFixed(2)}%  size ${usd(signal.liquidationSize)}  at ${new Date(signal.ts).toISOString()}`,
    );
  }
  lines.push('');
  lines.push(
    paint(
      'Binance forceOrder sends at most one liquidation per symbol per second: its totals undercount bursts.',
      DIM,
      ansi,
    ),
  );
  return lines.join('\n');
}
