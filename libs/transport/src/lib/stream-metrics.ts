import { Gauge, register } from 'prom-client';
import type { RedisClient } from '@mdp/platform';
import type { RedisStreamsServer } from './redis-streams.server';
import type { StreamPublisher } from './stream-publisher';

/**
 * Exposes a server's and a publisher's counters, and each consumed stream's group lag and pending
 * count, as Prometheus metrics (read at scrape time).
 */
export function registerStreamMetrics(
  redis: RedisClient,
  server?: RedisStreamsServer,
  publisher?: StreamPublisher,
): void {
  if (server) {
    for (const [name, help] of Object.entries({
      entriesRead: 'stream entries read',
      eventsHandled: 'events handled successfully',
      deadLettered: 'events or entries sent to a dead-letter stream',
      entriesClaimed: 'pending entries claimed from dead consumers',
      handlerRetries: 'handler retries after an error',
      transientWaits: 'waits on a transient handler error',
      groupsRecreated: 'consumer groups recreated after Redis lost them',
      readErrors: 'failed stream reads',
    } as const)) {
      register.removeSingleMetric(`mdp_stream_${snake(name)}`);
      new Gauge({
        name: `mdp_stream_${snake(name)}`,
        help: `Total ${help} since start`,
        collect() {
          this.set(server.stats[name as keyof typeof server.stats]);
        },
      });
    }
    register.removeSingleMetric('mdp_stream_group_lag');
    register.removeSingleMetric('mdp_stream_group_pending');
    const lag = new Gauge({
      name: 'mdp_stream_group_lag',
      help: 'Entries not yet delivered to the group',
      labelNames: ['stream', 'group'],
    });
    const pending = new Gauge({
      name: 'mdp_stream_group_pending',
      help: 'Entries delivered but not acknowledged',
      labelNames: ['stream', 'group'],
    });
    register.removeSingleMetric('mdp_stream_group_collect');
    new Gauge({
      name: 'mdp_stream_group_collect',
      help: 'Scrape helper for stream group metrics (always 1)',
      async collect() {
        for (const group of await groupStates(redis, server)) {
          lag.set({ stream: group.stream, group: group.group }, group.lag);
          pending.set({ stream: group.stream, group: group.group }, group.pending);
        }
        this.set(1);
      },
    });
  }
  if (publisher) {
    for (const name of ['eventsPublished', 'entriesWritten', 'writeRetries', 'rejectedInvalid'] as const) {
      register.removeSingleMetric(`mdp_publisher_${snake(name)}`);
      new Gauge({
        name: `mdp_publisher_${snake(name)}`,
        help: `Publisher ${name} since start`,
        collect() {
          this.set(publisher.stats[name]);
        },
      });
    }
  }
}

export interface GroupState {
  stream: string;
  group: string;
  lag: number;
  pending: number;
}

/** Lag (entries not yet delivered) and pending count of the server's group on each of its streams. */
export async function groupStates(redis: RedisClient, server: RedisStreamsServer): Promise<GroupState[]> {
  const states: GroupState[] = [];
  for (const stream of server.streams) {
    const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
    for (const raw of groups) {
      const info: Record<string, unknown> = {};
      for (let i = 0; i + 1 < raw.length; i += 2) info[String(raw[i])] = raw[i + 1];
      if (info['name'] !== server.group) continue;
      states.push({
        stream,
        group: server.group,
        lag: Number(info['lag'] ?? 0),
        pending: Number(info['pending'] ?? 0),
      });
    }
  }
  return states;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
