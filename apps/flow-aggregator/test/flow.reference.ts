import type { LiquidationMessage, TradeMessage } from '@mdp/schemas';

/**
 * An independent computation of a window's StoredFlowData `data` from its events, written
 * differently from the aggregator (filters and reductions over the event list), following the
 * definitions in docs/flow-aggregator.md.
 */
/** docs/flow-aggregator.md: every non-integer number in a snapshot is rounded to 8 decimals. */
const r8 = (value: number) => Math.round(value * 1e8) / 1e8;

export function referenceFlowData(
  trades: TradeMessage[],
  liquidations: LiquidationMessage[],
  { start, stepMs, bucket, whaleUsd }: { start: number; stepMs: number; bucket: number; whaleUsd: number },
) {
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const level = (price: number) => Math.floor(price / bucket) * bucket;
  const isWhale = (t: TradeMessage) => t.notionalUsd >= whaleUsd;
  const buys = trades.filter((t) => t.side === 'buy');
  const sells = trades.filter((t) => t.side === 'sell');
  const levels = [
    ...new Set([...trades.map((t) => level(t.price)), ...liquidations.map((l) => level(l.price))]),
  ].sort((a, b) => a - b);
  const nodes = levels.map((price) => {
    const here = trades.filter((t) => level(t.price) === price);
    const buyVolume = sum(here.filter((t) => t.side === 'buy').map((t) => t.size));
    const sellVolume = sum(here.filter((t) => t.side === 'sell').map((t) => t.size));
    const liqs = liquidations.filter((l) => level(l.price) === price);
    return [
      price,
      {
        price,
        buyVolume: r8(buyVolume),
        sellVolume: r8(sellVolume),
        netFlow: r8(buyVolume - sellVolume),
        buyCount: here.filter((t) => t.side === 'buy').length,
        sellCount: here.filter((t) => t.side === 'sell').length,
        dominantSide: buyVolume > sellVolume ? 'buy' : buyVolume < sellVolume ? 'sell' : 'neutral',
        whaleActivity: here.some(isWhale),
        liquidations: liqs.length,
        timestamp: Math.max(...here.map((t) => t.ts), ...liqs.map((l) => l.ts)),
      },
    ] as const;
  });
  const totalBuyVolume = sum(buys.map((t) => t.size));
  const totalSellVolume = sum(sells.map((t) => t.size));
  const whaleBuyVolume = sum(buys.filter(isWhale).map((t) => t.size));
  const whaleSellVolume = sum(sells.filter(isWhale).map((t) => t.size));
  const argmax = (value: (node: (typeof nodes)[number][1]) => number) => {
    const best = nodes
      .filter(([, n]) => value(n) > 0)
      .sort(([pa, a], [pb, b]) => value(b) - value(a) || pa - pb)[0];
    return best ? best[0] : null;
  };
  const netFlow = totalBuyVolume - totalSellVolume;
  const metrics = {
    totalBuyVolume: r8(totalBuyVolume),
    totalSellVolume: r8(totalSellVolume),
    totalBuyNotional: r8(sum(buys.map((t) => t.notionalUsd))),
    totalSellNotional: r8(sum(sells.map((t) => t.notionalUsd))),
    netFlow: r8(netFlow),
    flowDirection: netFlow > 0 ? 'inflow' : netFlow < 0 ? 'outflow' : 'neutral',
    totalTrades: trades.length,
    buyTradeCount: buys.length,
    sellTradeCount: sells.length,
    avgTradeSize: trades.length ? r8((totalBuyVolume + totalSellVolume) / trades.length) : 0,
    whaleTradeCount: trades.filter(isWhale).length,
    whaleBuyVolume: r8(whaleBuyVolume),
    whaleSellVolume: r8(whaleSellVolume),
    whaleNetFlow: r8(whaleBuyVolume - whaleSellVolume),
    totalLiquidations: liquidations.length,
    longLiquidations: liquidations.filter((l) => l.positionSide === 'long').length,
    shortLiquidations: liquidations.filter((l) => l.positionSide === 'short').length,
    totalLiquidationVolume: r8(sum(liquidations.map((l) => l.size))),
    highestBuyLevel: argmax((n) => n.buyVolume),
    highestSellLevel: argmax((n) => n.sellVolume),
    mostActivePrice: argmax((n) => n.buyVolume + n.sellVolume),
    volumeImbalance: totalBuyVolume + totalSellVolume ? r8(netFlow / (totalBuyVolume + totalSellVolume)) : 0,
    tradeImbalance: trades.length ? r8((buys.length - sells.length) / trades.length) : 0,
    whaleImbalance:
      whaleBuyVolume + whaleSellVolume
        ? r8((whaleBuyVolume - whaleSellVolume) / (whaleBuyVolume + whaleSellVolume))
        : 0,
  };
  const stepOf = (ts: number) => start + Math.floor((ts - start) / stepMs) * stepMs;
  const steps = [
    ...new Set([...trades.map((t) => stepOf(t.ts)), ...liquidations.map((l) => stepOf(l.ts))]),
  ].sort((a, b) => a - b);
  const latest = <E extends { ts: number }>(events: E[]) =>
    events.reduce<E | undefined>((best, e) => (!best || e.ts >= best.ts ? e : best), undefined);
  const timeSeries = steps.map((timestamp) => {
    const inStep = trades.filter((t) => stepOf(t.ts) === timestamp);
    const liqs = liquidations.filter((l) => stepOf(l.ts) === timestamp);
    const buyVolume = sum(inStep.filter((t) => t.side === 'buy').map((t) => t.size));
    const sellVolume = sum(inStep.filter((t) => t.side === 'sell').map((t) => t.size));
    return {
      timestamp,
      netFlow: r8(buyVolume - sellVolume),
      buyVolume: r8(buyVolume),
      sellVolume: r8(sellVolume),
      whaleFlow: r8(sum(inStep.filter(isWhale).map((t) => (t.side === 'buy' ? t.size : -t.size)))),
      liquidationVolume: r8(sum(liqs.map((l) => l.size))),
      price: (latest(inStep) ?? latest(liqs))!.price,
    };
  });
  return { nodes, metrics, timeSeries };
}
