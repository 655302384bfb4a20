import { IsIn, IsInt, Max, Min } from 'class-validator';
import { Describe, ServiceConfig } from '@mdp/platform';
import type { RedisStreamsServerOptions } from './redis-streams.server';
import type { StreamPublisherOptions } from './stream-publisher';

/** Settings of the Redis Streams transport; a consuming service's config class extends this. */
export class StreamConsumerConfig extends ServiceConfig {
  @Describe('Most stream entries read per XREADGROUP call')
  @IsInt()
  @Min(1)
  @Max(10_000)
  STREAM_READ_COUNT = 64;

  @Describe('XREADGROUP BLOCK timeout in ms (bounds shutdown time when the reader cannot be unblocked)')
  @IsInt()
  @Min(1)
  @Max(60_000)
  STREAM_BLOCK_MS = 2_000;

  @Describe('A pending entry idle this long (ms) is claimed from its presumed-dead consumer')
  @IsInt()
  @Min(100)
  STREAM_CLAIM_IDLE_MS = 30_000;

  @Describe('How often each consumer looks for idle pending entries to claim (ms)')
  @IsInt()
  @Min(100)
  STREAM_CLAIM_INTERVAL_MS = 5_000;

  @Describe('Handler attempts per message before it goes to the dead-letter stream')
  @IsInt()
  @Min(1)
  @Max(100)
  STREAM_MAX_ATTEMPTS = 3;

  @Describe('An entry delivered more often than this (consumers keep dying on it) is dead-lettered')
  @IsInt()
  @Min(1)
  STREAM_MAX_DELIVERIES = 5;

  @Describe(
    'Stream bound in entries (each entry holds up to STREAM_EVENTS_PER_ENTRY events); 0 disables trimming',
  )
  @IsInt()
  @Min(0)
  STREAM_MAXLEN = 100_000;

  @Describe('How often streams are trimmed (ms)')
  @IsInt()
  @Min(100)
  STREAM_TRIM_INTERVAL_MS = 1_000;

  @Describe('Where a new consumer group starts: 0 (all retained entries) or $ (new entries only)')
  @IsIn(['0', '$'])
  STREAM_GROUP_START = '0';

  @Describe('Most events a producer packs into one stream entry (batch frame)')
  @IsInt()
  @Min(1)
  @Max(10_000)
  STREAM_EVENTS_PER_ENTRY = 256;

  @Describe(
    'How long (ms) a producer waits to fill a batch frame before sending it (0: sends after the current tick)',
  )
  @IsInt()
  @Min(0)
  @Max(1_000)
  STREAM_LINGER_MS = 0;
}

export function serverOptionsFrom(
  config: StreamConsumerConfig,
): Omit<RedisStreamsServerOptions, 'redis' | 'group' | 'logger'> {
  return {
    readCount: config.STREAM_READ_COUNT,
    blockMs: config.STREAM_BLOCK_MS,
    claimIdleMs: config.STREAM_CLAIM_IDLE_MS,
    claimIntervalMs: config.STREAM_CLAIM_INTERVAL_MS,
    maxAttempts: config.STREAM_MAX_ATTEMPTS,
    maxDeliveries: config.STREAM_MAX_DELIVERIES,
    maxLen: config.STREAM_MAXLEN,
    trimIntervalMs: config.STREAM_TRIM_INTERVAL_MS,
    startId: config.STREAM_GROUP_START,
  };
}

export function publisherOptionsFrom(config: StreamConsumerConfig): StreamPublisherOptions {
  return { maxEventsPerEntry: config.STREAM_EVENTS_PER_ENTRY, lingerMs: config.STREAM_LINGER_MS };
}
