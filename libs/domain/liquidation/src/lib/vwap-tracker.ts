import {
  RollingVwapWindow,
  type RollingVwapWindowOptions,
  type RollingVwapWindowState,
  type VwapReading,
} from './rolling-vwap.window';

/** One rolling VWAP window per symbol, fed by the trade flow. */
export class VwapTracker {
  private readonly windows = new Map<string, RollingVwapWindow>();

  constructor(private readonly options: RollingVwapWindowOptions) {}

  addTrade(symbol: string, price: number, size: number, ts: number): void {
    this.windowOf(symbol).add(price, size, ts);
  }

  /** `symbol`'s window as plain data, or undefined when it has none. */
  stateOf(symbol: string): RollingVwapWindowState | undefined {
    return this.windows.get(symbol)?.toState();
  }

  /** Sets `symbol`'s window from `stateOf` (of a tracker with the same options). */
  restore(symbol: string, state: RollingVwapWindowState): void {
    this.windowOf(symbol).restore(state);
  }

  /** Drops `symbol`'s window (its symbol moved to another replica). */
  forget(symbol: string): void {
    this.windows.delete(symbol);
  }

  read(symbol: string, at: number): VwapReading | undefined {
    return this.windows.get(symbol)?.read(at);
  }

  symbols(): string[] {
    return [...this.windows.keys()];
  }

  private windowOf(symbol: string): RollingVwapWindow {
    let window = this.windows.get(symbol);
    if (!window) {
      window = new RollingVwapWindow(this.options);
      this.windows.set(symbol, window);
    }
    return window;
  }
}
