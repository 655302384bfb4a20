import {
  CandlestickSeries,
  ColorType,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Api } from './api';
import { el, formatPrice, formatTime } from './format';
import { bollinger, rsi, toBar, type Bar, type Point } from './indicators';
import { THEME, css } from './palette';

export const CANDLE_SYMBOLS = ['BTC', 'ETH', 'HYPE'] as const;
export const CANDLE_TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
const TIMEFRAME_MS: Record<string, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};
/** Candles asked for: enough for the indicators' warm-up and a screen of history. */
const CANDLES = 200;
const LIVE_POLL_MS = 2_000;

/** Candidate routes, in the order tried (OpenAPI form). */
const HISTORY_ROUTES = ['/api/candles/{symbol}'];
const LIVE_ROUTES = [
  '/api/candles/{symbol}/live',
  '/api/candles/{symbol}/current',
  '/api/candles/live/{symbol}',
];

const seconds = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;
const line = (points: Point[]) => points.map((point) => ({ time: seconds(point.time), value: point.value }));

function unwrap(answer: unknown): unknown[] {
  if (Array.isArray(answer)) return answer;
  if (answer && typeof answer === 'object') {
    const body = answer as Record<string, unknown>;
    for (const field of ['candles', 'data', 'items'])
      if (Array.isArray(body[field])) return body[field] as unknown[];
  }
  return [];
}

/**
 * A candle chart per symbol and timeframe (lightweight-charts): closed candles from the warm store
 * (`GET /api/candles/{symbol}`), the live one from Redis polled every 2 s, Bollinger bands (20, 2)
 * over the candles and RSI (14) in a pane below, volume as a histogram.
 */
export class CandleChartPanel {
  private symbol: string = CANDLE_SYMBOLS[0];
  private timeframe: string = CANDLE_TIMEFRAMES[0];
  private bars: Bar[] = [];
  private chart: IChartApi | null = null;
  private series: {
    candles: ISeriesApi<'Candlestick'>;
    volume: ISeriesApi<'Histogram'>;
    upper: ISeriesApi<'Line'>;
    middle: ISeriesApi<'Line'>;
    lower: ISeriesApi<'Line'>;
    rsi: ISeriesApi<'Line'>;
  } | null = null;
  private historyRoute: string | null = null;
  private liveRoute: string | null = null;
  private liveUpdates = 0;
  private generation = 0;
  private readonly caption = el('p', { class: 'caption', 'aria-live': 'polite' });
  private readonly container = el('div', { class: 'chart', role: 'img', 'aria-label': 'Candle chart' });
  private readonly symbolButtons = new Map<string, HTMLButtonElement>();
  private readonly timeframeButtons = new Map<string, HTMLButtonElement>();

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
  ) {}

  async start(): Promise<void> {
    this.historyRoute = this.api.first(...HISTORY_ROUTES);
    this.liveRoute = this.api.first(...LIVE_ROUTES);
    const symbols = el('div', { class: 'segmented', role: 'group', 'aria-label': 'Symbol' });
    for (const symbol of CANDLE_SYMBOLS) {
      const button = el('button', { type: 'button', 'data-symbol': symbol, text: symbol });
      button.addEventListener('click', () => void this.show(symbol, this.timeframe));
      this.symbolButtons.set(symbol, button);
      symbols.append(button);
    }
    const timeframes = el('div', { class: 'segmented', role: 'group', 'aria-label': 'Timeframe' });
    for (const timeframe of CANDLE_TIMEFRAMES) {
      const button = el('button', { type: 'button', 'data-timeframe': timeframe, text: timeframe });
      button.addEventListener('click', () => void this.show(this.symbol, timeframe));
      this.timeframeButtons.set(timeframe, button);
      timeframes.append(button);
    }
    const legend = el(
      'div',
      { class: 'legend' },
      el('span', { class: 'legend-mark up', text: '▮ up' }),
      el('span', { class: 'legend-mark down', text: '▮ down' }),
      el('span', { class: 'legend-mark band', text: '— Bollinger (20, 2)' }),
      el('span', { class: 'legend-mark rsi', text: '— RSI (14), lower pane' }),
    );
    this.root.append(
      el('div', { class: 'controls' }, symbols, timeframes),
      this.caption,
      this.container,
      legend,
    );
    if (!this.historyRoute && !this.liveRoute) {
      this.caption.textContent = 'This gateway serves no candle endpoints yet.';
      this.container.hidden = true;
      legend.hidden = true;
      this.root.dataset['state'] = 'unavailable';
      return;
    }
    this.createChart();
    await this.show(this.symbol, this.timeframe);
    setInterval(() => void this.pollLive(), LIVE_POLL_MS);
  }

  private createChart(): void {
    const chart = createChart(this.container, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: css(THEME.panel) },
        textColor: css(THEME.muted),
        fontFamily: 'system-ui, sans-serif',
        panes: { separatorColor: '#3a4250' },
      },
      grid: { vertLines: { color: '#262d38' }, horzLines: { color: '#262d38' } },
      rightPriceScale: { borderColor: '#3a4250' },
      timeScale: { borderColor: '#3a4250', timeVisible: true, secondsVisible: false },
      localization: { priceFormatter: (price: number) => formatPrice(price) },
    });
    const up = css(THEME.buy);
    const down = css(THEME.sell);
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: up,
      downColor: down,
      wickUpColor: up,
      wickDownColor: down,
      borderVisible: false,
    });
    const volume = chart.addSeries(HistogramSeries, {
      priceScaleId: 'volume',
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const band = {
      color: '#c9b6f2',
      lineWidth: 1 as const,
      lastValueVisible: false,
      priceLineVisible: false,
    };
    const upper = chart.addSeries(LineSeries, { ...band, lineStyle: LineStyle.Dashed });
    const middle = chart.addSeries(LineSeries, band);
    const lower = chart.addSeries(LineSeries, { ...band, lineStyle: LineStyle.Dashed });
    const rsiSeries = chart.addSeries(
      LineSeries,
      { color: '#e6e6e6', lineWidth: 1, priceLineVisible: false },
      1,
    );
    rsiSeries.createPriceLine({
      price: 70,
      color: '#6b7380',
      lineStyle: LineStyle.Dotted,
      lineWidth: 1,
      axisLabelVisible: false,
      title: '',
    });
    rsiSeries.createPriceLine({
      price: 30,
      color: '#6b7380',
      lineStyle: LineStyle.Dotted,
      lineWidth: 1,
      axisLabelVisible: false,
      title: '',
    });
    const panes = chart.panes();
    panes[1]?.setHeight(90);
    this.chart = chart;
    this.series = { candles, volume, upper, middle, lower, rsi: rsiSeries };
  }

  private path(route: string): string {
    return route.replace('{symbol}', encodeURIComponent(this.symbol));
  }

  private async show(symbol: string, timeframe: string): Promise<void> {
    this.symbol = symbol;
    this.timeframe = timeframe;
    const generation = ++this.generation;
    for (const [name, button] of this.symbolButtons)
      button.setAttribute('aria-pressed', String(name === symbol));
    for (const [name, button] of this.timeframeButtons)
      button.setAttribute('aria-pressed', String(name === timeframe));
    this.root.dataset['symbol'] = symbol;
    this.root.dataset['timeframe'] = timeframe;
    this.root.dataset['state'] = 'loading';
    let bars: Bar[] = [];
    if (this.historyRoute) {
      const end = Date.now();
      try {
        const answer = await this.api.get<unknown>(this.path(this.historyRoute), {
          timeframe,
          start: end - TIMEFRAME_MS[timeframe]! * CANDLES,
          end,
        });
        bars = unwrap(answer)
          .map(toBar)
          .filter((bar): bar is Bar => bar !== null);
      } catch (error) {
        if (generation === this.generation)
          this.caption.textContent = `Could not load candles: ${(error as Error).message}`;
      }
    }
    if (generation !== this.generation) return;
    this.bars = bars.sort((a, b) => a.time - b.time);
    this.root.dataset['closed'] = String(this.bars.length);
    this.root.dataset['lastClosed'] = String(this.bars.at(-1)?.time ?? '');
    this.draw();
    await this.pollLive();
    this.chart?.timeScale().fitContent();
    this.root.dataset['state'] = 'ready';
  }

  private async pollLive(): Promise<void> {
    if (!this.liveRoute) return;
    const generation = this.generation;
    let bar: Bar | null = null;
    try {
      const answer = await this.api.get<unknown>(this.path(this.liveRoute), { timeframe: this.timeframe });
      bar = toBar(Array.isArray(answer) ? answer[0] : ((answer as { candle?: unknown })?.candle ?? answer));
    } catch {
      return; // no live candle yet (404) or a moment's outage: the next poll tries again
    }
    if (!bar || generation !== this.generation) return;
    const last = this.bars.at(-1);
    if (last && bar.time < last.time) return;
    if (last && bar.time === last.time) this.bars[this.bars.length - 1] = bar;
    else this.bars.push(bar);
    this.liveUpdates += 1;
    this.root.dataset['live'] = JSON.stringify(bar);
    this.root.dataset['liveUpdates'] = String(this.liveUpdates);
    this.draw();
  }

  private draw(): void {
    if (!this.series) return;
    const bars = this.bars;
    this.series.candles.setData(
      bars.map((bar) => ({
        time: seconds(bar.time),
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
      })),
    );
    this.series.volume.setData(
      bars.map((bar) => ({
        time: seconds(bar.time),
        value: bar.volume,
        color: bar.close >= bar.open ? 'rgba(110, 176, 232, 0.35)' : 'rgba(240, 160, 80, 0.35)',
      })),
    );
    const bands = bollinger(bars);
    this.series.upper.setData(line(bands.upper));
    this.series.middle.setData(line(bands.middle));
    this.series.lower.setData(line(bands.lower));
    this.series.rsi.setData(line(rsi(bars)));
    const last = bars.at(-1);
    this.caption.textContent = last
      ? `${this.symbol} ${this.timeframe} · ${bars.length} candles · last ${formatTime(last.time)} UTC: O ${formatPrice(last.open)} H ${formatPrice(last.high)} L ${formatPrice(last.low)} C ${formatPrice(last.close)}`
      : `${this.symbol} ${this.timeframe} · no candles yet`;
    this.container.setAttribute(
      'aria-label',
      `Candle chart of ${this.symbol} ${this.timeframe}: ${bars.length} candles`,
    );
  }
}
