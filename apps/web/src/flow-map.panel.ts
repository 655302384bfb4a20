import type { Api, LiveSocket, Update } from './api';
import { buildHeatmap, type Heatmap } from './flow-heatmap';
import { FLOW_COINS, FLOW_WINDOWS, WINDOW_MS, type FlowMetrics, type StoredFlowData } from './flow-types';
import { el, formatCompact, formatNumber, formatPrice, formatTime, formatDateTime } from './format';
import { THEME, css, netFlowColor } from './palette';

/** Columns kept per coin and window: the last 60 windows (the 1m TTL keeps about that many). */
const MAX_COLUMNS = 60;
/** Least time (ms) between two reads of the shown window on its notices. */
const REFRESH_MS = 250;

const METRIC_LABELS: Array<
  [keyof FlowMetrics, string, 'price' | 'count' | 'volume' | 'usd' | 'ratio' | 'text']
> = [
  ['netFlow', 'Net flow', 'volume'],
  ['flowDirection', 'Direction', 'text'],
  ['totalBuyVolume', 'Buy volume', 'volume'],
  ['totalSellVolume', 'Sell volume', 'volume'],
  ['totalBuyNotional', 'Buy notional', 'usd'],
  ['totalSellNotional', 'Sell notional', 'usd'],
  ['totalTrades', 'Trades', 'count'],
  ['buyTradeCount', 'Buy trades', 'count'],
  ['sellTradeCount', 'Sell trades', 'count'],
  ['avgTradeSize', 'Avg trade size', 'volume'],
  ['whaleTradeCount', 'Whale trades', 'count'],
  ['whaleBuyVolume', 'Whale buy volume', 'volume'],
  ['whaleSellVolume', 'Whale sell volume', 'volume'],
  ['whaleNetFlow', 'Whale net flow', 'volume'],
  ['totalLiquidations', 'Liquidations', 'count'],
  ['longLiquidations', 'Long liquidations', 'count'],
  ['shortLiquidations', 'Short liquidations', 'count'],
  ['totalLiquidationVolume', 'Liquidation volume', 'volume'],
  ['highestBuyLevel', 'Highest buy level', 'price'],
  ['highestSellLevel', 'Highest sell level', 'price'],
  ['mostActivePrice', 'Most active price', 'price'],
  ['volumeImbalance', 'Volume imbalance', 'ratio'],
  ['tradeImbalance', 'Trade imbalance', 'ratio'],
  ['whaleImbalance', 'Whale imbalance', 'ratio'],
];

function formatMetric(value: unknown, kind: (typeof METRIC_LABELS)[number][2]): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'number') return '–';
  switch (kind) {
    case 'price':
      return formatPrice(value);
    case 'count':
      return formatNumber(value, 0);
    case 'usd':
      return `$${formatCompact(value)}`;
    case 'ratio':
      return formatNumber(value, 3);
    case 'volume':
      return formatNumber(value, 4);
    case 'text':
      return String(value);
  }
}

/**
 * The seed 000 flow map: one column per snapshot of the chosen coin and window (oldest left), one
 * row per price level, coloured by net flow, with whale (ring) and liquidation (cross) markers, the
 * current price as a dashed line, and the newest snapshot's metrics beside it. Every coin and
 * window is loaded once and kept, so switching draws at once (then reloads in the background);
 * flow notices of the shown coin and window over the WebSocket bring each changed snapshot.
 */
export class FlowMapPanel {
  private coin: string = FLOW_COINS[0];
  private window: string = FLOW_WINDOWS[0];
  private readonly cache = new Map<string, Map<number, StoredFlowData>>();
  private readonly stale = new Set<string>();
  private readonly loading = new Map<string, Promise<void>>();
  private updates = 0;
  /** The newest notice of the shown window not read yet, and whether a read is under way. */
  private nextNotice: { id: string; key: string } | null = null;
  private refreshing = false;
  private heatmap: Heatmap | null = null;
  private readonly canvas = el('canvas', { role: 'img', 'aria-label': 'Flow map' });
  private readonly tooltip = el('div', { class: 'tooltip', role: 'tooltip', hidden: true });
  private readonly metrics = el('dl', { class: 'metrics', 'data-testid': 'flow-metrics' });
  private readonly caption = el('p', { class: 'caption', 'aria-live': 'polite' });
  private readonly coinButtons = new Map<string, HTMLButtonElement>();
  private readonly windowButtons = new Map<string, HTMLButtonElement>();

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
    private readonly socket: LiveSocket,
  ) {}

  async start(): Promise<void> {
    this.renderFrame();
    this.socket.on('flow', (update) => this.onUpdate(update));
    await this.show(this.coin, this.window);
    // The rest in the background, one at a time, so any switch later draws from memory.
    void (async () => {
      for (const coin of FLOW_COINS)
        for (const timeWindow of FLOW_WINDOWS) await this.load(coin, timeWindow).catch(() => undefined);
    })();
  }

  private renderFrame(): void {
    const coins = el('div', { class: 'segmented', role: 'group', 'aria-label': 'Coin' });
    for (const coin of FLOW_COINS) {
      const button = el('button', { type: 'button', 'data-coin': coin, text: coin });
      button.addEventListener('click', () => void this.show(coin, this.window));
      this.coinButtons.set(coin, button);
      coins.append(button);
    }
    const windows = el('div', { class: 'segmented', role: 'group', 'aria-label': 'Window' });
    for (const timeWindow of FLOW_WINDOWS) {
      const button = el('button', { type: 'button', 'data-window': timeWindow, text: timeWindow });
      button.addEventListener('click', () => void this.show(this.coin, timeWindow));
      this.windowButtons.set(timeWindow, button);
      windows.append(button);
    }
    const legend = el(
      'div',
      { class: 'legend' },
      el('span', { class: 'legend-label', text: 'net sell' }),
      el('span', { class: 'legend-ramp', 'aria-hidden': 'true' }),
      el('span', { class: 'legend-label', text: 'net buy' }),
      el('span', { class: 'legend-mark whale', text: '◯ whale' }),
      el('span', { class: 'legend-mark liq', text: '✕ liquidation' }),
      el('span', { class: 'legend-mark price', text: '┄ current price' }),
      el('span', { class: 'legend-mark price', text: '╱ traded price' }),
    );
    const figure = el('div', { class: 'flow-figure' }, this.canvas, this.tooltip, legend);
    this.root.append(
      el('div', { class: 'controls' }, coins, windows),
      this.caption,
      el('div', { class: 'flow-body' }, figure, this.metrics),
    );
    this.canvas.addEventListener('mousemove', (event) => this.hover(event));
    this.canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    new ResizeObserver(() => this.draw()).observe(figure);
  }

  private async show(coin: string, timeWindow: string): Promise<void> {
    // Live notices for the shown coin and window only; another one is reloaded when shown again.
    if (coin !== this.coin || timeWindow !== this.window) {
      this.socket.unsubscribe({ channel: 'flow', coin: this.coin, timeWindow: this.window });
      this.stale.add(`${this.coin}:${this.window}`);
    }
    this.socket.subscribe({ channel: 'flow', coin, timeWindow });
    this.coin = coin;
    this.window = timeWindow;
    for (const [name, button] of this.coinButtons) button.setAttribute('aria-pressed', String(name === coin));
    for (const [name, button] of this.windowButtons)
      button.setAttribute('aria-pressed', String(name === timeWindow));
    const id = `${coin}:${timeWindow}`;
    if (this.cache.has(id)) this.render();
    else this.renderLoading();
    if (!this.cache.has(id) || this.stale.has(id)) {
      try {
        await this.load(coin, timeWindow, this.stale.has(id));
      } catch (error) {
        if (this.coin === coin && this.window === timeWindow)
          this.caption.textContent = `Could not load ${coin} ${timeWindow}: ${(error as Error).message}`;
        return;
      }
      if (this.coin === coin && this.window === timeWindow) this.render();
    }
  }

  private load(coin: string, timeWindow: string, force = false): Promise<void> {
    const id = `${coin}:${timeWindow}`;
    if (this.cache.has(id) && !force) return Promise.resolve();
    const pending = this.loading.get(id);
    if (pending) return pending;
    const length = WINDOW_MS[timeWindow]!;
    const end = Date.now() + length;
    const promise = this.api
      .get<StoredFlowData[]>('/api/liquidity-flow/historical', {
        coin,
        timeWindow,
        start: Math.max(0, end - length * (MAX_COLUMNS + 1)),
        end,
      })
      .then((snapshots) => {
        const byTime = new Map<number, StoredFlowData>();
        for (const snapshot of snapshots.slice(-MAX_COLUMNS)) byTime.set(snapshot.timestamp, snapshot);
        this.cache.set(id, byTime);
        this.stale.delete(id);
      })
      .finally(() => this.loading.delete(id));
    this.loading.set(id, promise);
    return promise;
  }

  /**
   * A notice of the shown coin and window: its snapshot is read and drawn. The aggregator rewrites
   * an open 1m window every few milliseconds while trades come in, so reads are paced: one at a
   * time, at most every REFRESH_MS, always the newest notice (those in between are skipped).
   */
  private onUpdate(update: Update): void {
    const coin = String(update['coin']);
    const timeWindow = String(update['timeWindow']);
    if (coin !== this.coin || timeWindow !== this.window) return;
    this.nextNotice = { id: `${coin}:${timeWindow}`, key: (update.data as { key: string }).key };
    if (!this.refreshing) void this.refresh();
  }

  private async refresh(): Promise<void> {
    this.refreshing = true;
    try {
      while (this.nextNotice) {
        const { id, key } = this.nextNotice;
        this.nextNotice = null;
        const started = Date.now();
        try {
          const snapshot = await this.api.get<StoredFlowData>('/api/liquidity-flow/retrieve', { key });
          const byTime = this.cache.get(id) ?? new Map<number, StoredFlowData>();
          byTime.set(snapshot.timestamp, snapshot);
          for (const old of [...byTime.keys()]
            .sort((a, b) => a - b)
            .slice(0, Math.max(0, byTime.size - MAX_COLUMNS)))
            byTime.delete(old);
          this.cache.set(id, byTime);
          this.updates += 1;
          if (id === `${this.coin}:${this.window}`) this.render();
        } catch {
          // expired between the notice and the read: the next notice brings it
        }
        const wait = REFRESH_MS - (Date.now() - started);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } finally {
      this.refreshing = false;
    }
  }

  private renderLoading(): void {
    this.root.dataset['coin'] = this.coin;
    this.root.dataset['window'] = this.window;
    this.root.dataset['key'] = '';
    this.root.dataset['state'] = 'loading';
    this.caption.textContent = `Loading ${this.coin} ${this.window}…`;
    this.heatmap = null;
    this.metrics.replaceChildren();
    this.draw();
  }

  private render(): void {
    const snapshots = [...(this.cache.get(`${this.coin}:${this.window}`)?.values() ?? [])].sort(
      (a, b) => a.timestamp - b.timestamp,
    );
    const newest = snapshots.at(-1);
    this.heatmap = buildHeatmap(snapshots, 48, WINDOW_MS[this.window]);
    this.root.dataset['coin'] = this.coin;
    this.root.dataset['window'] = this.window;
    this.root.dataset['key'] = newest?.key ?? '';
    this.root.dataset['columns'] = String(snapshots.length);
    this.root.dataset['updates'] = String(this.updates);
    this.root.dataset['state'] = 'ready';
    this.caption.textContent = newest
      ? `${this.coin} ${this.window} · ${snapshots.length} snapshot${snapshots.length === 1 ? '' : 's'} from ${formatDateTime(snapshots[0]!.timestamp)} to ${formatDateTime(newest.timestamp)} UTC · price ${formatPrice(this.heatmap.currentPrice)}`
      : `${this.coin} ${this.window} · no snapshots yet`;
    this.canvas.setAttribute(
      'aria-label',
      `Flow map of ${this.coin} ${this.window}: ${snapshots.length} snapshots, ${this.heatmap.prices.length} price levels`,
    );
    this.renderMetrics(newest);
    this.draw();
  }

  private renderMetrics(snapshot: StoredFlowData | undefined): void {
    const items: HTMLElement[] = [];
    if (snapshot) {
      items.push(
        el(
          'div',
          { class: 'metric metric-head' },
          el('dt', { text: 'Window' }),
          el('dd', { text: `${formatTime(snapshot.timestamp)} UTC` }),
        ),
      );
      for (const [name, label, kind] of METRIC_LABELS) {
        const value = snapshot.data.metrics[name];
        const cls =
          name === 'netFlow' || name === 'whaleNetFlow'
            ? typeof value === 'number' && value > 0
              ? 'metric buy'
              : typeof value === 'number' && value < 0
                ? 'metric sell'
                : 'metric'
            : 'metric';
        items.push(
          el(
            'div',
            { class: cls, 'data-metric': name, 'data-value': JSON.stringify(value ?? null) },
            el('dt', { text: label }),
            el('dd', { text: formatMetric(value, kind) }),
          ),
        );
      }
    }
    this.metrics.replaceChildren(...items);
  }

  private geometry(width: number, height: number) {
    const left = 78;
    const right = 10;
    const top = 8;
    const bottom = 22;
    return {
      left,
      top,
      plotWidth: Math.max(1, width - left - right),
      plotHeight: Math.max(1, height - top - bottom),
    };
  }

  private draw(): void {
    const canvas = this.canvas;
    const width = canvas.parentElement?.clientWidth ?? 600;
    const height = width < 560 ? 260 : 340;
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const context = canvas.getContext('2d');
    if (!context) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.fillStyle = css(THEME.panel);
    context.fillRect(0, 0, width, height);
    const map = this.heatmap;
    const { left, top, plotWidth, plotHeight } = this.geometry(width, height);
    context.font = '11px system-ui, sans-serif';
    context.fillStyle = css(THEME.muted);
    if (!map || map.prices.length === 0) {
      context.fillText(map ? 'No trades in these snapshots yet' : 'Loading…', left + 8, top + 20);
      return;
    }
    const columns = Math.max(1, map.times.length);
    const rows = map.prices.length;
    const cellWidth = plotWidth / columns;
    const cellHeight = plotHeight / rows;
    context.fillStyle = css(netFlowColor(0, 1));
    context.fillRect(left, top, plotWidth, plotHeight);
    for (const cell of map.cells) {
      context.fillStyle = css(netFlowColor(cell.netFlow, map.maxAbs));
      context.fillRect(
        left + cell.column * cellWidth,
        top + cell.row * cellHeight,
        Math.ceil(cellWidth),
        Math.ceil(cellHeight),
      );
    }
    const mark = Math.max(2, Math.min(cellWidth, cellHeight) * 0.32);
    context.lineWidth = 1.5;
    for (const cell of map.cells) {
      const x = left + (cell.column + 0.5) * cellWidth;
      const y = top + (cell.row + 0.5) * cellHeight;
      if (cell.whale) {
        context.strokeStyle = css(THEME.whale);
        context.beginPath();
        context.arc(x, y, mark, 0, Math.PI * 2);
        context.stroke();
      }
      if (cell.liquidations > 0) {
        context.strokeStyle = css(THEME.liquidation);
        context.beginPath();
        context.moveTo(x - mark, y - mark);
        context.lineTo(x + mark, y + mark);
        context.moveTo(x + mark, y - mark);
        context.lineTo(x - mark, y + mark);
        context.stroke();
      }
    }
    const highest = map.prices[0]! + map.rowSize / 2;
    const yOf = (price: number) =>
      Math.min(
        top + plotHeight,
        Math.max(top, top + ((highest - price) / (map.rowSize * rows)) * plotHeight),
      );
    // The traded price through each window (the snapshots' time series).
    if (map.path.length > 1) {
      context.strokeStyle = 'rgba(236, 236, 236, 0.75)';
      context.lineWidth = 1.25;
      context.beginPath();
      map.path.forEach((point, i) => {
        const x = left + point.x * cellWidth;
        if (i === 0) context.moveTo(x, yOf(point.price));
        else context.lineTo(x, yOf(point.price));
      });
      context.stroke();
    }
    // Price axis: about six labels.
    context.fillStyle = css(THEME.muted);
    context.textAlign = 'right';
    context.textBaseline = 'middle';
    const every = Math.max(1, Math.ceil(rows / 6));
    for (let row = 0; row < rows; row += every)
      context.fillText(formatPrice(map.prices[row]), left - 6, top + (row + 0.5) * cellHeight);
    // Time axis: first, middle and last column.
    context.textAlign = 'center';
    context.textBaseline = 'top';
    const labelled = new Set([0, Math.floor((columns - 1) / 2), columns - 1]);
    for (const column of labelled)
      if (map.times[column] !== undefined)
        context.fillText(
          formatTime(map.times[column]).slice(0, 5),
          left + (column + 0.5) * cellWidth,
          top + plotHeight + 5,
        );
    // The current price.
    if (map.currentPrice !== null) {
      const y = top + ((highest - map.currentPrice) / (map.rowSize * rows)) * plotHeight;
      if (y >= top && y <= top + plotHeight) {
        context.strokeStyle = css(THEME.priceLine);
        context.setLineDash([5, 4]);
        context.lineWidth = 1;
        context.beginPath();
        context.moveTo(left, y);
        context.lineTo(left + plotWidth, y);
        context.stroke();
        context.setLineDash([]);
        const label = formatPrice(map.currentPrice);
        const labelWidth = context.measureText(label).width + 8;
        context.fillStyle = css(THEME.priceLine);
        context.fillRect(left + plotWidth - labelWidth, y - 8, labelWidth, 16);
        context.fillStyle = css(THEME.background);
        context.textAlign = 'right';
        context.textBaseline = 'middle';
        context.fillText(label, left + plotWidth - 4, y);
      }
    }
  }

  private hover(event: MouseEvent): void {
    const map = this.heatmap;
    if (!map || map.prices.length === 0) return;
    const box = this.canvas.getBoundingClientRect();
    const { left, top, plotWidth, plotHeight } = this.geometry(box.width, box.height);
    const column = Math.floor(((event.clientX - box.left - left) / plotWidth) * map.times.length);
    const row = Math.floor(((event.clientY - box.top - top) / plotHeight) * map.prices.length);
    if (column < 0 || row < 0 || column >= map.times.length || row >= map.prices.length) {
      this.tooltip.hidden = true;
      return;
    }
    const cell = map.cells.find((each) => each.column === column && each.row === row);
    this.tooltip.textContent = [
      `${formatTime(map.times[column]!)} UTC · ${formatPrice(map.prices[row])}`,
      cell
        ? `net ${formatNumber(cell.netFlow)} (buy ${formatNumber(cell.buyVolume)} / sell ${formatNumber(cell.sellVolume)})${cell.whale ? ' · whale' : ''}${cell.liquidations > 0 ? ` · ${cell.liquidations} liq.` : ''}`
        : 'no trades',
    ].join('\n');
    this.tooltip.style.left = `${event.clientX - box.left + 12}px`;
    this.tooltip.style.top = `${event.clientY - box.top + 12}px`;
    this.tooltip.hidden = false;
  }
}
