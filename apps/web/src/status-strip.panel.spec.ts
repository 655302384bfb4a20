import { groupBacklogs, type SystemStatus } from './status-strip.panel';

describe('groupBacklogs', () => {
  it("is each group's largest lag + pending over its streams, flagging an unknown lag", () => {
    const status: SystemStatus = {
      at: 0,
      services: [],
      redis: { usedBytes: 0, maxBytes: 0, usedPct: 0, evictedKeys: 0, policy: 'noeviction' },
      storage: null,
      streams: [
        {
          stream: 'stream:{trades}',
          length: 10,
          groups: [
            { group: 'flow-aggregator', lag: 3, pending: 1, consumers: 1 },
            { group: 'liquidation-detector', lag: 0, pending: 0, consumers: 1 },
          ],
        },
        {
          stream: 'stream:{liquidations}',
          length: 5,
          groups: [
            { group: 'flow-aggregator', lag: 1, pending: 0, consumers: 1 },
            { group: 'warm-writer', lag: null, pending: 2, consumers: 1 },
          ],
        },
      ],
    };
    expect(groupBacklogs(status)).toEqual([
      { group: 'flow-aggregator', backlog: 4, unknown: false },
      { group: 'liquidation-detector', backlog: 0, unknown: false },
      { group: 'warm-writer', backlog: 2, unknown: true },
    ]);
  });
});
