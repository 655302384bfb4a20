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
/** Candles asked for: enough for the indicators' warm-up and a screen of history. */
const CANDLES = 200;
const LIVE_POLL_MS = 2_000;

/** `GET /api/candles/{symbol}?timeframe=&limit=`: closed candles (oldest first) and the one in progress. */
const CANDLES_ROUTE = '/api/candles/{symbol}';
interface CandlesAnswer {
  candles: unknown[];
  live: unknown;
}

const seconds = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;
const line = (points: Point[]) => points.map((point) => ({ time: seconds(point.time), value: point.value }));

function barsOf(answer: CandlesAnswer): { closed: Bar[]; live: Bar | null } {
  return {
    closed: answer.candles.map(toBar).filter((bar): bar is Bar => bar !== null),
    live: answer.live ? toBar(answer.live) : null,
  };
}

/**
 * A candle chart per symbol and timeframe (lightweight-charts): closed candles from the warm store
 * and the live one from Redis (`GET /api/candles/{symbol}`, polled every 2 s for the newest),
 * Bollinger bands (20, 2) over the candles and RSI (14) in a pane below, volume as a histogram.
 */
export class CandleChartPanel {
  private symbol: string = CANDLE_SYMBOLS[0];
  private timeframe: string = CANDLE_TIMEFRAMES[0];
  private chart: IChartApi | null = null;
  private series: {
    candles: ISeriesApi<'Candlestick'>;
    volume: ISeriesApi<'Histogram'>;
    upper: ISeriesApi<'Line'>;
    middle: ISeriesApi<'Line'>;
    lower: ISeriesApi<'Line'>;
    rsi: ISeriesApi<'Line'>;
  } | null = null;
  /** The closed candles shown; the live one is `bars`' last element when `live` is set. */
  private closed: Bar[] = [];
  private live: Bar | null = null;
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
    if (!this.api.has(CANDLES_ROUTE)) {
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

  private path(): string {
    return CANDLES_ROUTE.replace('{symbol}', encodeURIComponent(this.symbol));
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
    let answer: CandlesAnswer;
    try {
      answer = await this.api.get<CandlesAnswer>(this.path(), { timeframe, limit: CANDLES });
    } catch (error) {
      if (generation === this.generation) {
        this.caption.textContent = `Could not load candles: ${(error as Error).message}`;
        this.root.dataset['state'] = 'failed';
      }
      return;
    }
    if (generation !== this.generation) return;
    const { closed, live } = barsOf(answer);
    this.closed = closed;
    this.live = live;
    this.draw();
    this.chart?.timeScale().fitContent();
    this.root.dataset['state'] = 'ready';
  }

  /** Every 2 s: the newest closed candles and the live one (no 404 when none is in progress). */
  private async pollLive(): Promise<void> {
    const state = this.root.dataset['state'];
    if (state === 'failed') return this.show(this.symbol, this.timeframe); // try the whole load again
    if (state !== 'ready') return;
    const generation = this.generation;
    let answer: CandlesAnswer;
    try {
      // The range is the last `limit` periods up to the next one: 5 holds the candles closed (and
      // stored by the warm writer) since the last poll as well as the live one.
      answer = await this.api.get<CandlesAnswer>(this.path(), { timeframe: this.timeframe, limit: 5 });
    } catch {
      return; // a moment's outage: the next poll tries again
    }
    if (generation !== this.generation) return;
    const { closed, live } = barsOf(answer);
    const byTime = new Map(this.closed.map((bar) => [bar.time, bar]));
    for (const bar of closed) byTime.set(bar.time, bar);
    this.closed = [...byTime.values()].sort((a, b) => a.time - b.time).slice(-CANDLES);
    this.live = live;
    this.liveUpdates += 1;
    this.draw();
  }

  private draw(): void {
    if (!this.series) return;
    const lastClosed = this.closed.at(-1);
    const bars =
      this.live && (!lastClosed || this.live.time > lastClosed.time)
        ? [...this.closed, this.live]
        : this.closed;
    this.root.dataset['closed'] = String(this.closed.length);
    this.root.dataset['lastClosed'] = String(lastClosed?.time ?? '');
    this.root.dataset['live'] = this.live ? JSON.stringify(this.live) : '';
    this.root.dataset['liveUpdates'] = String(this.liveUpdates);
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
