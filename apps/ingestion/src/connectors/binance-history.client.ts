import { BinanceFrameAdapter, InstrumentCatalog, asRecordList } from '@mdp/domain-ingestion';
import type { TradeMessage } from '@mdp/schemas';

const PAGE = 1000;
/** Largest gap refetched; a longer one is reported and left unfilled. */
const MAX_IDS = 50_000;

/**
 * Binance USD-M aggregate trade history: `GET /fapi/v1/aggTrades?symbol=BTCUSDT&fromId=N&limit=1000`
 * returns `[{"a","p","q","f","l","T","m"}]` from id N upward. Used to backfill aggTrade id gaps.
 */
export class BinanceHistoryClient {
  private readonly adapter: BinanceFrameAdapter;

  constructor(
    private readonly baseUrl: string,
    bases: readonly string[],
    private readonly timeoutMs = 10_000,
  ) {
    this.adapter = new BinanceFrameAdapter(InstrumentCatalog.forVenue('binance', bases));
  }

  async aggTrades(venueSymbol: string, fromId: number, toId: number): Promise<TradeMessage[]> {
    const trades: TradeMessage[] = [];
    let next = fromId;
    const last = Math.min(toId, fromId + MAX_IDS - 1);
    while (next <= last) {
      const limit = Math.min(PAGE, last - next + 1);
      const url = `${this.baseUrl.replace(/\/$/, '')}/fapi/v1/aggTrades?symbol=${encodeURIComponent(venueSymbol)}&fromId=${next}&limit=${limit}`;
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      const page = asRecordList(await response.json());
      if (page.length === 0) break;
      const recvTs = Date.now();
      for (const record of page) {
        const trade = this.adapter.aggTrade(record, recvTs, venueSymbol);
        if (Number(trade.tradeId) <= last) trades.push({ ...trade, backfill: true });
      }
      const highest = Number(trades[trades.length - 1]?.tradeId ?? next - 1);
      if (highest < next) break;
      next = highest + 1;
    }
    return trades;
  }
}
