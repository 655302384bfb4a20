import type { Api } from './api';
import { el, formatBytes, formatNumber, formatTime } from './format';

/** GET /api/system/status (apps/gateway/src/status). */
export interface SystemStatus {
  at: number;
  services: Array<{
    name: string;
    url: string;
    state: 'up' | 'degraded' | 'down';
    httpStatus: number | null;
    detail: string | null;
  }>;
  streams: Array<{
    stream: string;
    length: number;
    groups: Array<{ group: string; lag: number | null; pending: number; consumers: number }>;
  }>;
  redis: { usedBytes: number; maxBytes: number; usedPct: number; evictedKeys: number; policy: string };
  storage: { mode: string; usedPct: number; updatedAt: number } | null;
}

const STATE_MARK = { up: '●', degraded: '▲', down: '✕' } as const;

/** Each consumer group's largest backlog over the streams it reads (lag + pending). */
export function groupBacklogs(
  status: SystemStatus,
): Array<{ group: string; backlog: number; unknown: boolean }> {
  const byGroup = new Map<string, { backlog: number; unknown: boolean }>();
  for (const stream of status.streams)
    for (const group of stream.groups) {
      const entry = byGroup.get(group.group) ?? { backlog: 0, unknown: false };
      entry.backlog = Math.max(entry.backlog, (group.lag ?? 0) + group.pending);
      entry.unknown ||= group.lag === null;
      byGroup.set(group.group, entry);
    }
  return [...byGroup.entries()]
    .map(([group, entry]) => ({ group, ...entry }))
    .sort((a, b) => a.group.localeCompare(b.group));
}

/** The status strip: services' readiness, consumer backlog, Redis memory and the detector's storage mode, every 5 s. */
export class StatusStripPanel {
  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
  ) {}

  async start(): Promise<void> {
    if (!this.api.has('/api/system/status')) {
      this.root.replaceChildren(
        el('span', { class: 'chip', text: 'status: this gateway has no /api/system/status' }),
      );
      return;
    }
    await this.refresh();
    setInterval(() => void this.refresh(), 5_000);
  }

  async refresh(): Promise<void> {
    let status: SystemStatus;
    try {
      status = await this.api.get<SystemStatus>('/api/system/status');
    } catch (error) {
      this.root.replaceChildren(
        el('span', { class: 'chip down', text: `✕ status unavailable: ${(error as Error).message}` }),
      );
      return;
    }
    const chips: HTMLElement[] = [];
    chips.push(
      el('span', {
        class: 'chip up',
        'data-service': 'gateway',
        'data-state': 'up',
        text: `${STATE_MARK.up} gateway`,
      }),
    );
    for (const service of status.services)
      chips.push(
        el('span', {
          class: `chip ${service.state}`,
          'data-service': service.name,
          'data-state': service.state,
          title: service.detail ?? `${service.url}: ${service.httpStatus ?? 'no answer'}`,
          text: `${STATE_MARK[service.state]} ${service.name}`,
        }),
      );
    const lagChips = groupBacklogs(status).map(({ group, backlog, unknown }) =>
      el('span', {
        class: `chip ${backlog > 10_000 ? 'degraded' : ''}`,
        'data-group': group,
        'data-backlog': backlog,
        title:
          'entries not yet read plus read but unacknowledged, on the stream where the group is furthest behind',
        text: `${group} lag ${formatNumber(backlog, 0)}${unknown ? '?' : ''}`,
      }),
    );
    const redis = status.redis;
    const memory = el('span', {
      class: `chip ${redis.usedPct >= 90 ? 'down' : redis.usedPct >= 75 ? 'degraded' : ''}`,
      'data-redis-used': redis.usedBytes,
      text: `Redis ${formatBytes(redis.usedBytes)}${redis.maxBytes > 0 ? ` / ${formatBytes(redis.maxBytes)} (${redis.usedPct.toFixed(1)}%)` : ' (no maxmemory)'} · ${redis.policy}`,
    });
    const storage = el('span', {
      class: `chip ${status.storage && status.storage.mode !== 'normal' ? 'degraded' : ''}`,
      'data-storage-mode': status.storage?.mode ?? 'unknown',
      title: "the liquidation detector's storage mode (seed 001 memory circuit breaker)",
      text: `storage ${status.storage?.mode ?? 'unknown (detector not reporting)'}`,
    });
    this.root.replaceChildren(
      el(
        'div',
        { class: 'chips', role: 'list', 'aria-label': 'Services' },
        ...chips.map((chip) => (chip.setAttribute('role', 'listitem'), chip)),
      ),
      el('div', { class: 'chips', 'aria-label': 'Consumer lag and memory' }, ...lagChips, memory, storage),
      el('span', { class: 'muted small', text: `at ${formatTime(status.at)} UTC` }),
    );
    this.root.dataset['at'] = String(status.at);
  }
}
