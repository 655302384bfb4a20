import type { LiquidationMessage } from '@mdp/schemas';
import type { StorageMode } from '@mdp/domain-liquidation';

/** An accepted liquidation as stored in `liquidation:{<SYMBOL>}:events`. */
export interface StoredLiquidation {
  eventId: string;
  exchange: string;
  symbol: string;
  orderSide: 'buy' | 'sell';
  price: number;
  size: number;
  notionalUsd: number;
  ts: number;
  /** Only in full records (normal mode). */
  positionSide?: string;
  priceKind?: string;
  completeness?: string;
}

/**
 * Member text of a stored liquidation: full JSON in normal mode, a compact pipe-separated line
 * (`eventId|exchange|side|price|size|notional|ts`, about 40 % of the bytes) in reduced mode.
 */
export function encodeStoredLiquidation(liquidation: LiquidationMessage, mode: StorageMode): string {
  if (mode === 'normal') {
    const record: StoredLiquidation = {
      eventId: liquidation.eventId,
      exchange: liquidation.exchange,
      symbol: liquidation.symbol,
      orderSide: liquidation.orderSide,
      price: liquidation.price,
      size: liquidation.size,
      notionalUsd: liquidation.notionalUsd,
      ts: liquidation.ts,
      positionSide: liquidation.positionSide,
      priceKind: liquidation.priceKind,
      completeness: liquidation.completeness,
    };
    return JSON.stringify(record);
  }
  return [
    liquidation.eventId,
    liquidation.exchange,
    liquidation.orderSide,
    liquidation.price,
    liquidation.size,
    liquidation.notionalUsd,
    liquidation.ts,
  ].join('|');
}

export function decodeStoredLiquidation(member: string, symbol: string): StoredLiquidation {
  if (member.startsWith('{')) return JSON.parse(member) as StoredLiquidation;
  const parts = member.split('|');
  const n = parts.length;
  // eventId may itself contain '|': the last six fields are fixed.
  return {
    eventId: parts.slice(0, n - 6).join('|'),
    exchange: parts[n - 6]!,
    symbol,
    orderSide: parts[n - 5] === 'buy' ? 'buy' : 'sell',
    price: Number(parts[n - 4]),
    size: Number(parts[n - 3]),
    notionalUsd: Number(parts[n - 2]),
    ts: Number(parts[n - 1]),
  };
}
