import { RollingVwapWindow, type RollingVwapWindowOptions, type VwapReading } from './rolling-vwap.window';

/** One rolling VWAP window per symbol, fed by the trade flow. */
export class VwapTracker {
  private readonly windows = new Map<string, RollingVwapWindow>();

  constructor(private readonly options: RollingVwapWindowOptions) {}

  addTrade(symbol: string, price: number, size: number, ts: number): void {
    let window = this.windows.get(symbol);
    if (!window) {
      window = new RollingVwapWindow(this.options);
      this.windows.set(symbol, window);
    }
    window.add(price, size, ts);
  }

  read(symbol: string, at: number): VwapReading | undefined {
    return this.windows.get(symbol)?.read(at);
  }

  symbols(): string[] {
    return [...this.windows.keys()];
  }
}
