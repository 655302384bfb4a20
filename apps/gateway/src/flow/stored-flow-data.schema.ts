import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { FLOW_COINS } from '@mdp/data-access-flow';
import { FLOW_WINDOWS } from '@mdp/schemas';

const number = { type: 'number' } as const;
const integer = { type: 'integer' } as const;
const nullableNumber = { type: 'number', nullable: true } as const;

function object(properties: Record<string, SchemaObject>): SchemaObject {
  return { type: 'object', required: Object.keys(properties), properties };
}

const LIQUIDITY_NODE = object({
  price: number,
  buyVolume: number,
  sellVolume: number,
  netFlow: number,
  buyCount: integer,
  sellCount: integer,
  dominantSide: { type: 'string', enum: ['buy', 'sell', 'neutral'] },
  whaleActivity: { type: 'boolean' },
  liquidations: integer,
  timestamp: integer,
});

const METRICS = object({
  totalBuyVolume: number,
  totalSellVolume: number,
  totalBuyNotional: number,
  totalSellNotional: number,
  netFlow: number,
  flowDirection: { type: 'string', enum: ['inflow', 'outflow', 'neutral'] },
  totalTrades: integer,
  buyTradeCount: integer,
  sellTradeCount: integer,
  avgTradeSize: number,
  whaleTradeCount: integer,
  whaleBuyVolume: number,
  whaleSellVolume: number,
  whaleNetFlow: number,
  totalLiquidations: integer,
  longLiquidations: integer,
  shortLiquidations: integer,
  totalLiquidationVolume: number,
  highestBuyLevel: nullableNumber,
  highestSellLevel: nullableNumber,
  mostActivePrice: nullableNumber,
  volumeImbalance: number,
  tradeImbalance: number,
  whaleImbalance: number,
});

const TIME_POINT = object({
  timestamp: integer,
  netFlow: number,
  buyVolume: number,
  sellVolume: number,
  whaleFlow: number,
  liquidationVolume: number,
  price: number,
});

/** Seed 000 StoredFlowData as an OpenAPI schema (the request body of store, the answer of retrieve). */
export const STORED_FLOW_DATA_SCHEMA: SchemaObject = object({
  key: { type: 'string', example: 'liquidity-flow:BTC:5m:1697558400000' },
  coin: { type: 'string', enum: [...FLOW_COINS] },
  timeWindow: { type: 'string', enum: [...FLOW_WINDOWS] },
  timestamp: { type: 'integer', description: 'Window start, epoch ms (a window boundary)' },
  data: object({
    nodes: {
      type: 'array',
      description: '[price, LiquidityNode] pairs',
      items: { type: 'array', minItems: 2, maxItems: 2, items: { oneOf: [number, LIQUIDITY_NODE] } },
    },
    metrics: METRICS,
    timeSeries: { type: 'array', items: TIME_POINT },
  }),
  expiresAt: {
    type: 'integer',
    description:
      'Expiry, epoch ms; on store the gateway sets it to the time of storing + the TTL of the window',
  },
});
