import type { TokenSummary } from '@mdp/data-access-tokens';
import type { TokenUpdateMessage } from '@mdp/schemas';
import type { Api, LiveSocket, Update } from './api';
import { el, formatCompact, formatNumber, formatPercent, formatPrice, formatTime } from './format';

/** One row of GET /api/tokens: seed 003's `tokens:list:*` element, as declared once (types only). */
export type TokenRow = TokenSummary;

type Column =
  'rank' | 'symbol' | 'price' | 'market_cap' | 'volume_24h' | 'percent_change_24h' | 'velocity' | 'trend';
/** Columns the gateway sorts by (descending): clicking one asks for that page. */
const SERVER_SORTS: readonly Column[] = ['market_cap', 'volume_24h', 'velocity', 'percent_change_24h'];
const COLUMNS: Array<[Column, string]> = [
  ['rank', '#'],
  ['symbol', 'Token'],
  ['price', 'Price'],
  ['market_cap', 'Market cap'],
  ['volume_24h', 'Volume 24h'],
  ['percent_change_24h', '24h'],
  ['velocity', 'Velocity'],
  ['trend', 'Trend'],
];
const TREND_MARK: Record<string, string> = {
  increasing: '▲ increasing',
  decreasing: '▼ decreasing',
  stable: '▶ stable',
  insufficient_data: '· not enough data',
};
export const TOKEN_PAGE_SIZE = 25;
const RELOAD_AFTER_UPDATES_MS = 1_000;

/** Sorts rows by a column (nulls last), ascending or descending; ties by id. */
export function sortTokens(rows: readonly TokenRow[], column: Column, descending: boolean): TokenRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[column];
    const y = b[column];
    if (x === y) return a.id - b.id;
    if (x === null) return 1;
    if (y === null) return -1;
    const order = typeof x === 'string' ? x.localeCompare(String(y)) : x - (y as number);
    return sign * order || a.id - b.id;
  });
}

/**
 * Seed 003 tokens: a page of the gateway's list, sortable by every column (market cap, volume,
 * velocity and 24h change ask the gateway for that ranking; the others sort the page), and each
 * token's row updated as its token update arrives over the WebSocket.
 */
export class TokenTablePanel {
  private rows: TokenRow[] = [];
  private sort: Column = 'market_cap';
  private descending = true;
  private serverSort = 'market_cap';
  private subscribed = new Set<number>();
  private updates = 0;
  private reload: ReturnType<typeof setTimeout> | null = null;
  private readonly body = el('tbody');
  private readonly headers = new Map<Column, HTMLElement>();
  private readonly caption = el('p', { class: 'caption', 'aria-live': 'polite' });

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
    private readonly socket: LiveSocket,
  ) {}

  async start(): Promise<void> {
    const head = el('tr');
    for (const [column, label] of COLUMNS) {
      const button = el('button', { type: 'button', class: 'sort', 'data-sort': column, text: label });
      button.addEventListener('click', () => void this.sortBy(column));
      const th = el('th', { scope: 'col', class: column === 'symbol' ? 'text' : 'num' }, button);
      this.headers.set(column, th);
      head.append(th);
    }
    this.root.append(
      this.caption,
      el(
        'div',
        { class: 'table-scroll' },
        el('table', { class: 'tokens', 'data-testid': 'token-table' }, el('thead', {}, head), this.body),
      ),
    );
    this.socket.on('tokens', (update) => this.onUpdate(update));
    await this.load();
    setInterval(() => void this.load().catch(() => undefined), 60_000);
  }

  private async sortBy(column: Column): Promise<void> {
    this.descending = column === this.sort ? !this.descending : column !== 'symbol' && column !== 'rank';
    this.sort = column;
    if (SERVER_SORTS.includes(column) && column !== this.serverSort && this.descending) {
      this.serverSort = column;
      await this.load();
    } else this.render();
  }

  private async load(): Promise<void> {
    try {
      this.rows = await this.api.get<TokenRow[]>('/api/tokens', {
        sort: this.serverSort,
        limit: TOKEN_PAGE_SIZE,
        offset: 0,
      });
    } catch (error) {
      this.caption.textContent = `Could not load tokens: ${(error as Error).message}`;
      return;
    }
    const ids = new Set(this.rows.map((row) => row.id));
    for (const id of this.subscribed)
      if (!ids.has(id)) this.socket.unsubscribe({ channel: 'tokens', tokenId: id });
    for (const id of ids) this.socket.subscribe({ channel: 'tokens', tokenId: id });
    this.subscribed = ids;
    this.render();
  }

  private onUpdate(update: Update): void {
    const data = update.data as TokenUpdateMessage;
    const row = this.rows.find((each) => each.id === data.tokenId);
    if (!row) return;
    row.price = data.priceUsd;
    row.market_cap = data.marketCapUsd;
    row.volume_24h = data.volume24hUsd;
    row.velocity = data.velocity;
    row.trend = data.trend;
    row.last_updated = new Date(data.ts).toISOString();
    this.updates += 1;
    this.render(data.tokenId);
    // The poller updates many tokens at once: once the burst is over, read the page again so the
    // table is the gateway's (ranking, 24h change and stored precision included).
    if (this.reload !== null) clearTimeout(this.reload);
    this.reload = setTimeout(() => {
      this.reload = null;
      void this.load();
    }, RELOAD_AFTER_UPDATES_MS);
  }

  private render(flash?: number): void {
    for (const [column, th] of this.headers)
      th.setAttribute(
        'aria-sort',
        column === this.sort ? (this.descending ? 'descending' : 'ascending') : 'none',
      );
    const sorted = sortTokens(this.rows, this.sort, this.descending);
    this.body.replaceChildren(
      ...sorted.map((row) => {
        const change = row.percent_change_24h;
        const tr = el(
          'tr',
          { 'data-token-id': row.id, class: row.id === flash ? 'flash' : undefined },
          el('td', { class: 'num', 'data-field': 'rank', text: row.rank ?? '–' }),
          el(
            'td',
            { class: 'text', 'data-field': 'symbol' },
            el('strong', { title: row.name, text: row.symbol }),
            ' ',
            el('span', { class: 'muted token-name', text: row.name }),
            row.stale
              ? el('span', { class: 'badge', title: 'quote older than the freshness limit', text: 'stale' })
              : null,
          ),
          el('td', {
            class: 'num',
            'data-field': 'price',
            'data-value': row.price,
            text: `$${formatPrice(row.price)}`,
          }),
          el('td', {
            class: 'num',
            'data-field': 'market_cap',
            'data-value': row.market_cap,
            text: `$${formatCompact(row.market_cap)}`,
          }),
          el('td', {
            class: 'num',
            'data-field': 'volume_24h',
            'data-value': row.volume_24h,
            text: `$${formatCompact(row.volume_24h)}`,
          }),
          el('td', {
            class: `num ${change === null ? '' : change > 0 ? 'up' : change < 0 ? 'down' : ''}`,
            'data-field': 'percent_change_24h',
            'data-value': change ?? '',
            text: formatPercent(change),
          }),
          el('td', {
            class: 'num',
            'data-field': 'velocity',
            'data-value': row.velocity,
            text: formatNumber(row.velocity, 4),
          }),
          el('td', {
            class: `num trend-${row.trend}`,
            'data-field': 'trend',
            'data-value': row.trend,
            text: TREND_MARK[row.trend] ?? row.trend,
          }),
        );
        return tr;
      }),
    );
    this.root.dataset['sort'] = this.serverSort;
    this.root.dataset['rows'] = String(this.rows.length);
    this.root.dataset['updates'] = String(this.updates);
    const newest = this.rows.reduce((max, row) => Math.max(max, Date.parse(row.last_updated) || 0), 0);
    this.caption.textContent = `Top ${this.rows.length} by ${this.serverSort.replace(/_/g, ' ')} · updated ${newest ? `${formatTime(newest)} UTC` : '–'} · ${this.updates} live update${this.updates === 1 ? '' : 's'}`;
  }
}
