import type { Api, LiveSocket, Update } from './api';
import { el, formatCompact, formatNumber, formatPrice, formatTime } from './format';

interface Liquidation {
  eventId: string;
  exchange: string;
  symbol: string;
  orderSide: string;
  positionSide?: string;
  price: number;
  size: number;
  notionalUsd: number;
  ts: number;
  completeness?: string;
}
interface Signal {
  signalId: string;
  symbol: string;
  side: string;
  entryReason: string;
  vwap: number;
  vwapDeviation: number;
  liquidationSize: number;
  price: number;
  ts: number;
}
interface Stats {
  symbol: string;
  window_minutes: number;
  total_count: number;
  total_volume: number;
  buy_count: number;
  buy_volume: number;
  sell_count: number;
  sell_volume: number;
  note: string;
}
interface Threshold {
  symbol: string;
  percentile: number;
  threshold: number | null;
  samples: number;
  minSamples: number;
  applies: boolean;
  updatedAt: number;
}
/** `accepted`: kept by the detector (in /api/liquidations/recent); `filtered`: below its size or percentile filter. */
type Verdict = 'accepted' | 'pending' | 'filtered';

const TAPE_ROWS = 40;
const SIGNAL_ROWS = 12;
/** Stats and thresholds are shown for at most this many symbols (most liquidated first). */
const MAX_SYMBOLS = 8;
/** A live liquidation not in the detector's store this long after it arrived is shown as filtered. */
const VERDICT_AFTER_MS = 6_000;
/** Statistics, thresholds and verdicts are read this often (a few requests per symbol shown). */
const REFRESH_MS = 5_000;
/** Statistics are read for at most this many of the detector's symbols. */
const MAX_STATS_SYMBOLS = 16;
const UNDERCOUNT =
  "Binance's forceOrder feed sends at most one liquidation per symbol per second, so Binance counts and volumes undercount bursts.";

/**
 * Seed 001: the liquidation tape (every liquidation as it arrives over the WebSocket, marked
 * accepted once it is in the detector's store, filtered otherwise; the accepted ones from before the
 * page opened from /api/liquidations/recent), the signals as they are raised, and per symbol the
 * last hour's statistics and the current percentile threshold.
 */
export class LiquidationTapePanel {
  private readonly tape = new Map<string, { event: Liquidation; verdict: Verdict; seenAt: number }>();
  private readonly signals = new Map<string, Signal>();
  private stats = new Map<string, Stats>();
  private thresholds = new Map<string, Threshold>();
  private symbols: string[] = [];
  private liveEvents = 0;
  private liveSignals = 0;
  private readonly tapeBody = el('tbody');
  private readonly signalBody = el('tbody');
  private readonly statsBody = el('tbody');
  private readonly caption = el('p', { class: 'caption', 'aria-live': 'polite' });

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
    private readonly socket: LiveSocket,
  ) {}

  async start(): Promise<void> {
    const head = (...labels: string[]) =>
      el('thead', {}, el('tr', {}, ...labels.map((label) => el('th', { scope: 'col', text: label }))));
    this.root.append(
      this.caption,
      el('h3', { text: 'Per symbol, last 60 min' }),
      el(
        'div',
        { class: 'table-scroll' },
        el(
          'table',
          { class: 'stats', 'data-testid': 'liquidation-stats' },
          head('Symbol', 'Count', 'Volume', 'Longs liq.', 'Shorts liq.', 'Percentile threshold'),
          this.statsBody,
        ),
      ),
      el('p', { class: 'note', role: 'note', text: UNDERCOUNT }),
      el(
        'div',
        { class: 'tape-columns' },
        el(
          'div',
          {},
          el('h3', { text: 'Tape' }),
          el(
            'div',
            { class: 'table-scroll tape-scroll' },
            el(
              'table',
              { class: 'tape', 'data-testid': 'liquidation-tape' },
              head('Time', 'Symbol', 'Venue', 'Liquidated', 'Price', 'Notional', 'Status'),
              this.tapeBody,
            ),
          ),
        ),
        el(
          'div',
          {},
          el('h3', { text: 'Signals' }),
          el(
            'div',
            { class: 'table-scroll' },
            el(
              'table',
              { class: 'signals', 'data-testid': 'signals' },
              head('Time', 'Symbol', 'Side', 'Price', 'VWAP dev.', 'Reason'),
              this.signalBody,
            ),
          ),
        ),
      ),
    );
    this.socket.subscribe({ channel: 'liquidations', symbol: '*' });
    this.socket.subscribe({ channel: 'signals', symbol: '*' });
    this.socket.on('liquidations', (update) => this.onLiquidation(update));
    this.socket.on('signals', (update) => this.onSignal(update));
    await this.refresh(true);
    setInterval(() => void this.refresh(false), REFRESH_MS);
  }

  private onLiquidation(update: Update): void {
    const event = update.data as Liquidation;
    if (this.tape.has(event.eventId)) return;
    this.tape.set(event.eventId, { event, verdict: 'pending', seenAt: Date.now() });
    this.liveEvents += 1;
    this.trim();
    this.renderTape();
  }

  private onSignal(update: Update): void {
    const signal = update.data as Signal;
    this.signals.set(signal.signalId, signal);
    this.liveSignals += 1;
    this.renderSignals();
  }

  private trim(): void {
    const rows = [...this.tape.values()].sort((a, b) => b.event.ts - a.event.ts);
    for (const row of rows.slice(TAPE_ROWS)) this.tape.delete(row.event.eventId);
  }

  private async refresh(first: boolean): Promise<void> {
    try {
      const [status, thresholds] = await Promise.all([
        this.api.get<{ symbols: string[] }>('/api/liquidations/status'),
        this.api.get<{ thresholds: Threshold[] }>('/api/liquidations/thresholds'),
      ]);
      this.thresholds = new Map(thresholds.thresholds.map((threshold) => [threshold.symbol, threshold]));
      const stats = await Promise.all(
        status.symbols
          .slice(0, MAX_STATS_SYMBOLS)
          .map((symbol) => this.api.get<Stats>('/api/liquidations/stats', { symbol, window: 60 })),
      );
      stats.sort((a, b) => b.total_count - a.total_count || a.symbol.localeCompare(b.symbol));
      this.stats = new Map(stats.slice(0, MAX_SYMBOLS).map((each) => [each.symbol, each]));
      this.symbols = status.symbols;
      // Accepted liquidations: on the first load of every symbol, then of those with live events awaiting a verdict.
      const now = Date.now();
      const pendingSymbols = new Set(
        [...this.tape.values()].filter((row) => row.verdict === 'pending').map((row) => row.event.symbol),
      );
      const wanted = first
        ? status.symbols.slice(0, MAX_STATS_SYMBOLS)
        : status.symbols.filter((symbol) => pendingSymbols.has(symbol));
      const recent = await Promise.all(
        wanted.map((symbol) =>
          this.api.get<{ liquidations: Liquidation[] }>('/api/liquidations/recent', { symbol, limit: 50 }),
        ),
      );
      const accepted = new Set<string>();
      for (const answer of recent)
        for (const event of answer.liquidations) {
          accepted.add(event.eventId);
          const row = this.tape.get(event.eventId);
          if (row) row.verdict = 'accepted';
          else if (first) this.tape.set(event.eventId, { event, verdict: 'accepted', seenAt: now });
        }
      for (const row of this.tape.values())
        if (
          row.verdict === 'pending' &&
          now - row.seenAt > VERDICT_AFTER_MS &&
          !accepted.has(row.event.eventId)
        )
          row.verdict = 'filtered';
      this.trim();
      if (first) {
        const active = await this.api.get<Signal[]>('/api/signals/active');
        for (const signal of active) this.signals.set(signal.signalId, signal);
        if (this.api.has('/api/signals/recent')) {
          const recentSignals = await this.api
            .get<Signal[]>('/api/signals/recent', { limit: SIGNAL_ROWS })
            .catch(() => []);
          for (const signal of recentSignals) if (signal.signalId) this.signals.set(signal.signalId, signal);
        }
        this.renderSignals();
      }
    } catch (error) {
      this.caption.textContent = `Could not load liquidations: ${(error as Error).message}`;
      return;
    }
    this.renderStats();
    this.renderTape();
  }

  private renderStats(): void {
    const rows = [...this.stats.values()].map((stats) => {
      const threshold = this.thresholds.get(stats.symbol);
      const thresholdText = !threshold
        ? 'not published'
        : threshold.applies && threshold.threshold !== null
          ? `p${threshold.percentile} ≥ $${formatCompact(threshold.threshold)}`
          : `p${threshold.percentile} off (${threshold.samples}/${threshold.minSamples} samples)`;
      return el(
        'tr',
        {
          'data-symbol': stats.symbol,
          'data-count': stats.total_count,
          'data-volume': stats.total_volume,
          'data-threshold': threshold?.threshold ?? '',
        },
        el('th', { scope: 'row', text: stats.symbol }),
        el('td', { class: 'num', text: formatNumber(stats.total_count, 0) }),
        el('td', { class: 'num', text: `$${formatCompact(stats.total_volume)}` }),
        el('td', { class: 'num sell', text: `${stats.sell_count} · $${formatCompact(stats.sell_volume)}` }),
        el('td', { class: 'num buy', text: `${stats.buy_count} · $${formatCompact(stats.buy_volume)}` }),
        el('td', { class: 'num', text: thresholdText }),
      );
    });
    this.statsBody.replaceChildren(
      ...(rows.length > 0
        ? rows
        : [el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No accepted liquidations yet' }))]),
    );
  }

  private renderTape(): void {
    const rows = [...this.tape.values()].sort((a, b) => b.event.ts - a.event.ts);
    this.tapeBody.replaceChildren(
      ...rows.map(({ event, verdict }) => {
        const side = event.positionSide ?? (event.orderSide === 'sell' ? 'long' : 'short');
        return el(
          'tr',
          {
            class: `verdict-${verdict}`,
            'data-event-id': event.eventId,
            'data-symbol': event.symbol,
            'data-verdict': verdict,
            'data-price': event.price,
            'data-notional': event.notionalUsd,
          },
          el('td', { text: formatTime(event.ts) }),
          el('td', { text: event.symbol }),
          el(
            'td',
            {},
            event.exchange,
            event.completeness === 'sampled_1s'
              ? el('span', { class: 'badge', title: UNDERCOUNT, text: '1/s' })
              : null,
          ),
          el('td', { class: side === 'long' ? 'sell' : 'buy', text: side === 'long' ? '▼ long' : '▲ short' }),
          el('td', { class: 'num', text: formatPrice(event.price) }),
          el('td', { class: 'num', text: `$${formatCompact(event.notionalUsd)}` }),
          el('td', {
            text: verdict === 'accepted' ? '✓ accepted' : verdict === 'filtered' ? 'filtered' : '…',
          }),
        );
      }),
    );
    const accepted = rows.filter((row) => row.verdict === 'accepted').length;
    this.root.dataset['liveEvents'] = String(this.liveEvents);
    this.root.dataset['accepted'] = String(accepted);
    this.caption.textContent = `${this.symbols.length} symbols with accepted liquidations · tape: ${accepted} accepted of ${rows.length} shown · ${this.liveEvents} live events, ${this.liveSignals} live signals`;
  }

  private renderSignals(): void {
    const rows = [...this.signals.values()].sort((a, b) => b.ts - a.ts).slice(0, SIGNAL_ROWS);
    this.signalBody.replaceChildren(
      ...(rows.length > 0
        ? rows.map((signal) =>
            el(
              'tr',
              { 'data-signal-id': signal.signalId, 'data-symbol': signal.symbol },
              el('td', { text: formatTime(signal.ts) }),
              el('td', { text: signal.symbol }),
              el('td', {
                class: signal.side === 'buy' ? 'buy' : 'sell',
                text: signal.side === 'buy' ? '▲ buy' : '▼ sell',
              }),
              el('td', { class: 'num', text: formatPrice(signal.price) }),
              el('td', { class: 'num', text: `${signal.vwapDeviation.toFixed(2)}%` }),
              el('td', { text: signal.entryReason }),
            ),
          )
        : [el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No signals yet' }))]),
    );
    this.root.dataset['liveSignals'] = String(this.liveSignals);
  }
}
