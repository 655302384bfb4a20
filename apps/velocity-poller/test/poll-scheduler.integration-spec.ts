import { testRedisUrl, createTestRedis, waitFor, type TestDatabase } from '@mdp/testing';
import type Redis from 'ioredis';
import type { PollReport } from '../src/poller/poll-cycle.service';
import {
  buildPoller,
  createMigratedDatabase,
  StandInProcess,
  type PollerUnderTest,
} from './velocity-poller.harness';

describe('poll schedule', () => {
  let standIn: StandInProcess;
  let database: TestDatabase;
  let redis: Redis;
  let subject: PollerUnderTest;

  beforeAll(async () => {
    [standIn, database, redis] = await Promise.all([
      StandInProcess.start(50),
      createMigratedDatabase(),
      createTestRedis(),
    ]);
    subject = await buildPoller(database.url, testRedisUrl(), standIn.url, {
      CMC_LISTINGS_LIMIT: '50',
      POLL_INTERVAL_MS: '100',
      CMC_MAX_ATTEMPTS: '1',
    });
  }, 60_000);

  afterAll(async () => {
    await subject?.close();
    await redis?.quit();
    await standIn?.stop();
    await database?.drop();
  });

  it('never overlaps polls, even when a poll outlasts the interval, and keeps polling through API failures', async () => {
    const poll = subject.poller.poll;
    const original = poll.poll.bind(poll);
    let active = 0;
    let mostActive = 0;
    const outcomes: Array<PollReport['outcome']> = [];
    // Each poll takes at least 250 ms here, over twice the 100 ms interval.
    poll.poll = async () => {
      active += 1;
      mostActive = Math.max(mostActive, active);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const report = await original();
      outcomes.push(report.outcome);
      active -= 1;
      return report;
    };
    await standIn.fail('500', 2);
    await subject.poller.scheduler.start();
    await waitFor('two polls after the failures', () => outcomes.filter((o) => o === 'ok').length >= 2, {
      timeoutMs: 20_000,
    });
    await subject.poller.scheduler.stop();
    expect(mostActive).toBe(1);
    expect(outcomes.slice(0, 4)).toEqual(['failed', 'failed', 'ok', 'ok']);
    expect(subject.poller.poll.lastSuccessAt).not.toBeNull();
  });
});
