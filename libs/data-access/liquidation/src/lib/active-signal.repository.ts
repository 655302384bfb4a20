import type { LiquidationSignalMessage } from '@mdp/schemas';
import type { RedisClient } from '@mdp/platform';
import { SIGNAL_ACTIVE_PREFIX, activeSignalKey, signalUpdateChannel } from './liquidation-keys';

/** `signal:active:<SYMBOL>` (seed 004): a symbol's latest liquidation signal, with a TTL, announced over pub/sub. */
export class ActiveSignalRepository {
  constructor(private readonly redis: RedisClient) {}

  /** Sets the active signal with its TTL and publishes it on `signal:updates:<SYMBOL>`; throws when Redis refuses. */
  async activate(signal: LiquidationSignalMessage, ttlSeconds: number): Promise<void> {
    const json = JSON.stringify(signal);
    // Two keys in two slots on a cluster: two commands, sent together.
    await Promise.all([
      this.redis.set(activeSignalKey(signal.symbol), json, 'EX', ttlSeconds),
      this.redis.publish(signalUpdateChannel(signal.symbol), json),
    ]);
  }

  async active(symbol: string): Promise<LiquidationSignalMessage | null> {
    const json = await this.redis.get(activeSignalKey(symbol));
    return json ? (JSON.parse(json) as LiquidationSignalMessage) : null;
  }

  /** The stored JSON of a symbol's active signal (served as-is by the gateway), or null. */
  activeJson(symbol: string): Promise<string | null> {
    return this.redis.get(activeSignalKey(symbol));
  }

  /**
   * The stored JSON of the active signals of `symbols` (absent ones left out), in the order given.
   * One GET per key, sent together (auto-pipelined; the keys live in different cluster slots).
   */
  async activeJsonOf(symbols: readonly string[]): Promise<string[]> {
    const values = await Promise.all(symbols.map((symbol) => this.redis.get(activeSignalKey(symbol))));
    const found: string[] = [];
    for (const value of values) if (value !== null) found.push(value);
    return found;
  }

  /** Symbols with an active signal (SCAN; for the dashboard and tests, not a hot path). */
  async activeSymbols(): Promise<string[]> {
    const symbols: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${SIGNAL_ACTIVE_PREFIX}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) symbols.push(key.slice(SIGNAL_ACTIVE_PREFIX.length));
    } while (cursor !== '0');
    return symbols.sort();
  }
}
