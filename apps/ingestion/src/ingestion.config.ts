import { IsBoolean, IsIn, IsInt, IsNumber, IsString, Matches, Max, Min } from 'class-validator';
import { Describe } from '@mdp/platform';
import { StreamConsumerConfig } from '@mdp/transport';

const LIST = /^[A-Z0-9._-]+(,[A-Z0-9._-]+)*$/;
const VENUE_LIST = /^(hyperliquid|binance|bybit|okx|alpaca)(,(hyperliquid|binance|bybit|okx|alpaca))*$/;
const WS_URL = /^wss?:\/\/.+/;
const HTTP_URL = /^https?:\/\/.+/;

/** Settings of the ingestion service (read once in main.ts). */
export class IngestionConfig extends StreamConsumerConfig {
  @Describe(
    'Where events come from: generator (synthetic market, offline), replay (a recorded session) or live (venue WebSockets)',
  )
  @IsIn(['generator', 'replay', 'live'])
  INGESTION_SOURCE: string = 'generator';

  @Describe('Live venues, comma-separated: hyperliquid, binance, bybit, okx, alpaca')
  @Matches(VENUE_LIST, {
    message: '$property must be a comma-separated list of hyperliquid, binance, bybit, okx, alpaca',
  })
  INGESTION_VENUES: string = 'hyperliquid,binance,bybit,okx';

  @Describe(
    'Crypto base assets to ingest, comma-separated (BTC maps to BTCUSDT, BTC-USDT-SWAP, BTC on Hyperliquid)',
  )
  @Matches(LIST, { message: '$property must be a comma-separated list of upper-case symbols' })
  INGESTION_SYMBOLS: string = 'BTC,ETH,HYPE';

  @Describe('Stock tickers for the Alpaca feed, comma-separated')
  @Matches(LIST, { message: '$property must be a comma-separated list of upper-case symbols' })
  INGESTION_STOCK_SYMBOLS: string = 'AAPL,MSFT,GOOGL,AMZN,META';

  @Describe('Recording replayed when INGESTION_SOURCE=replay (gzip JSON lines, see docs/ingestion.md)')
  @IsString()
  INGESTION_REPLAY_FILE: string = 'tools/fixtures/sample-session.jsonl.gz';

  @Describe('Replay speed factor: 1 = recorded pace, 10 = ten times faster, 0 = as fast as possible')
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  INGESTION_REPLAY_SPEED: number = 1;

  @Describe('When set, every raw frame received from a live venue is appended to this gzip recording')
  @IsString()
  INGESTION_RECORD_FILE: string = '';

  @Describe('Seed of the synthetic generator: the same seed (and start time) gives the same events')
  @IsInt()
  @Min(0)
  INGESTION_GENERATOR_SEED: number = 42;

  @Describe('Mean synthetic trades per second in calm periods (bursts run faster)')
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(1_000_000)
  INGESTION_GENERATOR_RATE: number = 50;

  @Describe('Time of the first synthetic event, epoch ms; 0 = the time the service starts')
  @IsInt()
  @Min(0)
  INGESTION_GENERATOR_START_TS: number = 0;

  @Describe(
    'Time (epoch ms) at which the synthetic market ends: events from then on are not generated, and health says finished once every earlier one was handed over; 0 = never',
  )
  @IsInt()
  @Min(0)
  INGESTION_GENERATOR_END_TS: number = 0;

  @Describe('First reconnect delay in ms; doubles per failed attempt, with jitter')
  @IsInt()
  @Min(1)
  INGESTION_BACKOFF_BASE_MS: number = 500;

  @Describe('Longest reconnect delay in ms')
  @IsInt()
  @Min(1)
  INGESTION_BACKOFF_MAX_MS: number = 30_000;

  @Describe('Heartbeat interval in ms (application ping where the venue wants one, WebSocket ping otherwise)')
  @IsInt()
  @Min(10)
  INGESTION_HEARTBEAT_MS: number = 15_000;

  @Describe('A connection that delivers no frame for this many ms is considered stale and is reconnected')
  @IsInt()
  @Min(50)
  INGESTION_SILENCE_MS: number = 30_000;

  @Describe('WebSocket opening handshake timeout in ms')
  @IsInt()
  @Min(50)
  INGESTION_CONNECT_TIMEOUT_MS: number = 10_000;

  @Describe('Recent event ids remembered per venue and symbol to drop resent events')
  @IsInt()
  @Min(1)
  INGESTION_DEDUP_CAPACITY: number = 10_000;

  @Describe(
    'Least time in ms between the starts of two writes of the ingestion buffer: events are written at once when the last write started this long ago, else when it has (so at most this long in the buffer)',
  )
  @IsInt()
  @Min(1)
  @Max(10_000)
  INGESTION_FLUSH_MS: number = 20;

  @Describe('Buffered events that trigger an immediate write')
  @IsInt()
  @Min(1)
  INGESTION_BATCH_SIZE: number = 5_000;

  @Describe('TTL in seconds of the tick:latest:<SYMBOL> hashes')
  @IsInt()
  @Min(1)
  INGESTION_TICK_TTL_SECONDS: number = 300;

  @Describe(
    'The tick stream carries at most one tick per instrument per this many ms of venue time (tick:latest always has the newest)',
  )
  @IsInt()
  @Min(1)
  INGESTION_TICK_INTERVAL_MS: number = 100;

  @Describe('Refetch trade-id gaps from the venue REST history (Binance /fapi/v1/aggTrades)')
  @IsBoolean()
  INGESTION_BACKFILL: boolean = true;

  @Describe('Binance USD-M futures WebSocket URL')
  @Matches(WS_URL)
  INGESTION_BINANCE_WS_URL: string = 'wss://fstream.binance.com/ws';

  @Describe('Binance USD-M futures REST base URL (aggTrades history for backfill)')
  @Matches(HTTP_URL)
  INGESTION_BINANCE_REST_URL: string = 'https://fapi.binance.com';

  @Describe('Hyperliquid WebSocket URL')
  @Matches(WS_URL)
  INGESTION_HYPERLIQUID_WS_URL: string = 'wss://api.hyperliquid.xyz/ws';

  @Describe('Bybit v5 public linear WebSocket URL')
  @Matches(WS_URL)
  INGESTION_BYBIT_WS_URL: string = 'wss://stream.bybit.com/v5/public/linear';

  @Describe('OKX v5 public WebSocket URL')
  @Matches(WS_URL)
  INGESTION_OKX_WS_URL: string = 'wss://ws.okx.com:8443/ws/v5/public';

  @Describe(
    'OKX contract values (ctVal, base units per contract) as INSTID:VALUE pairs; swaps without one are not ingested',
  )
  @Matches(/^([A-Z0-9-]+:[0-9.]+)(,[A-Z0-9-]+:[0-9.]+)*$/, {
    message: '$property must look like BTC-USDT-SWAP:0.01,ETH-USDT-SWAP:0.1',
  })
  INGESTION_OKX_CONTRACT_VALUES: string = 'BTC-USDT-SWAP:0.01,ETH-USDT-SWAP:0.1';

  @Describe('Alpaca market data WebSocket URL (v2/iex free feed, v2/sip paid)')
  @Matches(WS_URL)
  INGESTION_ALPACA_WS_URL: string = 'wss://stream.data.alpaca.markets/v2/iex';

  @Describe('Alpaca API key id (needed only when alpaca is in INGESTION_VENUES)')
  @IsString()
  INGESTION_ALPACA_KEY_ID: string = '';

  @Describe('Alpaca API secret key (needed only when alpaca is in INGESTION_VENUES)')
  @IsString()
  INGESTION_ALPACA_SECRET_KEY: string = '';
}

export function listOf(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function contractValuesOf(value: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const pair of listOf(value)) {
    const [instId, ctVal] = pair.split(':');
    if (instId && ctVal && Number(ctVal) > 0) values[instId] = Number(ctVal);
  }
  return values;
}
