import { IsBoolean, IsInt, IsNumber, Matches, Max, Min, ValidateBy } from 'class-validator';
import { Describe } from '@mdp/platform';
import { StreamConsumerConfig } from '@mdp/transport';

const LIST = /^[A-Z0-9][A-Z0-9._-]*(,[A-Z0-9][A-Z0-9._-]*)*$/;
const COIN_NUMBERS = /^([A-Z0-9][A-Z0-9._-]*:\d+(\.\d+)?)?(,[A-Z0-9][A-Z0-9._-]*:\d+(\.\d+)?)*$/;
const WINDOW_LIST = /^(1m|5m|15m|1h|4h)(,(1m|5m|15m|1h|4h))*$/;
const WINDOW_NUMBERS = /^((1m|5m|15m|1h|4h):\d+)?(,(1m|5m|15m|1h|4h):\d+)*$/;
const TIMEFRAME_LIST = /^(1m|5m|15m|1h|4h|1d)(,(1m|5m|15m|1h|4h|1d))*$/;

/**
 * Settings of the flow aggregator. Types are written out: the loader converts numbers and booleans
 * by the declared type, which SWC (tests, `serve`) only records from an explicit annotation.
 */
export class FlowAggregatorConfig extends StreamConsumerConfig {
  @Describe('Coins (trade `base`) aggregated into liquidity flow maps, comma-separated')
  @Matches(LIST, { message: '$property must be a comma-separated list of upper-case coins' })
  FLOW_COINS: string = 'BTC,ETH,HYPE';

  @Describe('Flow windows aggregated, comma-separated, of 1m, 5m, 15m, 1h, 4h')
  @Matches(WINDOW_LIST, { message: '$property must be a comma-separated list of 1m, 5m, 15m, 1h, 4h' })
  FLOW_WINDOWS: string = '1m,5m,15m,1h,4h';

  @Describe(
    'Price bucket (node width, USD) per coin as COIN:size pairs; coins not listed use FLOW_DEFAULT_BUCKET_SIZE',
  )
  @Matches(COIN_NUMBERS, { message: '$property must be COIN:number pairs separated by commas' })
  FLOW_BUCKET_SIZES: string = 'BTC:10,ETH:1,HYPE:0.01';

  @Describe('Price bucket (USD) of coins not listed in FLOW_BUCKET_SIZES')
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1e-9)
  FLOW_DEFAULT_BUCKET_SIZE: number = 1;

  @Describe(
    'Whale threshold per coin as COIN:notionalUsd pairs: a trade of at least this notional is a whale trade',
  )
  @Matches(COIN_NUMBERS, { message: '$property must be COIN:number pairs separated by commas' })
  FLOW_WHALE_THRESHOLDS_USD: string = 'BTC:100000,ETH:50000,HYPE:25000';

  @Describe('Whale threshold (USD notional) of coins not listed in FLOW_WHALE_THRESHOLDS_USD')
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  FLOW_DEFAULT_WHALE_USD: number = 100_000;

  @Describe(
    'Grace period (ms, event time): an event up to this late after its window or candle ended still counts',
  )
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  FLOW_GRACE_MS: number = 5_000;

  @Describe(
    'How soon (ms) an open window that changed is rewritten as a snapshot and announced (the final one is written at close); windows listed in FLOW_PUBLISH_SPACING_MS wait longer between rewrites',
  )
  @IsInt()
  @Min(5)
  FLOW_PUBLISH_INTERVAL_MS: number = 10;

  @Describe(
    'Least time (ms) between two rewrites of an open window, per window as WINDOW:ms pairs (larger windows cost more to build); windows not listed use FLOW_PUBLISH_INTERVAL_MS, which applies when larger',
  )
  @Matches(WINDOW_NUMBERS, {
    message: '$property must be WINDOW:ms pairs (windows 1m, 5m, 15m, 1h, 4h) separated by commas',
  })
  FLOW_PUBLISH_SPACING_MS: string = '5m:50,15m:250,1h:1000,4h:2000';

  @Describe(
    'Close windows and candles by the wall clock as well as by event time (false: by event time only, e.g. for replays)',
  )
  @IsBoolean()
  FLOW_WALL_CLOCK_CLOSE: boolean = true;

  @Describe(
    'Nodes with less than this share of the window volume, and no whale trade or liquidation, are left out of snapshots',
  )
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  FLOW_PRUNE_MIN_VOLUME_SHARE: number = 0.001;

  @Describe(
    "Snapshot JSON size budget as a fraction of the seed's estimate per window (5, 10, 20, 50, 100 KB); the smallest nodes are dropped to fit; 0 disables",
  )
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  FLOW_SIZE_BUDGET_FACTOR: number = 0.9;

  @Describe(
    'Snapshots whose JSON is at least this many bytes are stored gzip-compressed as gz:<base64> (0: never)',
  )
  @IsInt()
  @Min(0)
  FLOW_COMPRESS_MIN_BYTES: number = 16_384;

  @Describe(
    'How often (ms) index entries of expired snapshots are removed from the liquidity-flow:*:index sorted sets',
  )
  @IsInt()
  @Min(1_000)
  FLOW_INDEX_PRUNE_INTERVAL_MS: number = 60_000;

  @Describe(
    "How often (ms) each held partition's state is checkpointed (when it changed) to flow-aggregator:{flow-aggregator}:checkpoint:<partition>-of-<count>, after which the stream entries handled are acknowledged (also at shutdown)",
  )
  @IsInt()
  @Min(50)
  @Max(60_000)
  FLOW_CHECKPOINT_INTERVAL_MS: number = 1_000;

  @Describe(
    "This replica's number (0-based; on Kubernetes the StatefulSet pod index). Replica 0 reads in consumer group flow-aggregator, replica k in flow-aggregator-<k>; one process per number",
  )
  @IsInt()
  @Min(0)
  @Max(1023)
  FLOW_REPLICA: number = 0;

  @Describe(
    'Fixed number of partitions the coins and symbols are hashed into; the live replicas share them and hand them over with checkpoints when their number changes',
  )
  @IsInt()
  @Min(1)
  @Max(1024)
  FLOW_PARTITIONS: number = 16;

  @Describe(
    'How often (ms) a replica renews its membership and partition leases and rebalances the partitions',
  )
  @IsInt()
  @Min(20)
  @Max(60_000)
  FLOW_HEARTBEAT_MS: number = 1_000;

  @Describe(
    'Membership and partition lease time (ms): a replica silent this long is presumed dead and its partitions are taken over from their checkpoints; at least 3 x FLOW_HEARTBEAT_MS',
  )
  @IsInt()
  @ValidateBy({
    name: 'leaseAboveHeartbeats',
    validator: {
      validate: (value: unknown, args) =>
        typeof value === 'number' && value >= 3 * (args?.object as FlowAggregatorConfig).FLOW_HEARTBEAT_MS,
      defaultMessage: (args) =>
        `$property must be at least 3 x FLOW_HEARTBEAT_MS (${String(3 * (args?.object as FlowAggregatorConfig).FLOW_HEARTBEAT_MS)})`,
    },
  })
  FLOW_LEASE_MS: number = 10_000;

  @Describe(
    'Trade and liquidation ids remembered per venue and symbol to drop redelivered or twice-written events (0: no deduplication)',
  )
  @IsInt()
  @Min(0)
  FLOW_DEDUP_CAPACITY: number = 10_000;

  @Describe(
    'Candle timeframes kept live in candle:current:<TIMEFRAME>:<SYMBOL> and published to the candle stream when closed',
  )
  @Matches(TIMEFRAME_LIST, { message: '$property must be a comma-separated list of 1m, 5m, 15m, 1h, 4h, 1d' })
  CANDLE_TIMEFRAMES: string = '1m,5m,15m,1h,4h,1d';

  @Describe('How often (ms) live candles that changed are written to their hashes')
  @IsInt()
  @Min(100)
  CANDLE_FLUSH_INTERVAL_MS: number = 1_000;

  @Describe(
    'Timeframe of the candles whose closes feed stocks:indicators:{symbol} (RSI 14, MACD 12/26/9, Bollinger 20/2)',
  )
  @Matches(/^(1m|5m|15m|1h|4h|1d)$/, { message: '$property must be one of 1m, 5m, 15m, 1h, 4h, 1d' })
  INDICATOR_TIMEFRAME: string = '1m';

  @Describe('TTL (s) of stocks:indicators:{symbol}')
  @IsInt()
  @Min(1)
  INDICATOR_TTL_S: number = 86_400;

  @Describe(
    'How often (ms) positions:active:{symbol} of symbols that traded are marked to the last price and positions:monitoring:{symbol} rewritten',
  )
  @IsInt()
  @Min(100)
  POSITION_MONITOR_INTERVAL_MS: number = 1_000;

  @Describe('TTL (s) of positions:monitoring:{symbol}')
  @IsInt()
  @Min(1)
  POSITION_MONITORING_TTL_S: number = 3_600;
}
