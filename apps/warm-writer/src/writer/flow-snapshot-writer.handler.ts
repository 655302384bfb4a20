import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { FlowSnapshotStream, type FlowSnapshotNoticeMessage } from '@mdp/schemas';
import {
  FlowSnapshotRepository,
  HotFlowSnapshotRepository,
  type FlowSnapshotRecord,
} from '@mdp/data-access-warm-store';
import { decodeFlowSnapshot } from '@mdp/data-access-flow';
import { OnStream, StreamContext } from '@mdp/transport';
import { WRITER_LOGGER, type WriterLogger } from './writer-logger';
import { holdOnOutage } from './hold-on-outage.util';
import { WarmWriterConfig } from '../warm-writer.config';
import { writerRows } from './writer-metrics';

/**
 * Flow snapshot notices: reads each snapshot's JSON from Redis (GET key) and keeps it in
 * flow_snapshots beyond its Redis TTL. A key that has already expired is recorded as a row without
 * data (and counted), then acknowledged: waiting cannot bring it back.
 *
 * The aggregator rewrites an open window every few milliseconds while it changes; the warm store
 * keeps a version of it at most every WARM_FLOW_OPEN_INTERVAL_MS (notices in between are
 * acknowledged and counted as `throttled`: the row is replaced by a later version anyway) and always
 * the final one. The last stored time per open window is kept in this process (shared by its
 * consumers); another replica, or a restart, stores a version sooner, which the upsert handles.
 */
@Controller()
export class FlowSnapshotWriterHandler {
  /** `coin|window|start` of open windows -> writtenAt of their version last stored here. */
  private readonly openStoredAt = new Map<string, number>();

  constructor(
    private readonly config: WarmWriterConfig,
    private readonly snapshots: FlowSnapshotRepository,
    private readonly hot: HotFlowSnapshotRepository,
    @Inject(WRITER_LOGGER) private readonly logger: WriterLogger,
  ) {}

  @OnStream(FlowSnapshotStream, { batch: true })
  async onSnapshots(
    @Payload() batch: FlowSnapshotNoticeMessage[],
    @Ctx() context: StreamContext,
  ): Promise<void> {
    const latest = FlowSnapshotRepository.latestPerWindow(
      batch.map((notice) => ({ notice, json: '' })),
    ).filter((record) => this.due(record.notice));
    if (latest.length === 0) {
      writerRows.inc({ table: 'flow_snapshots', outcome: 'throttled' }, batch.length);
      return;
    }
    // A Redis error here is retried by the transport (connection errors hold the stream).
    const values = await this.hot.readMany(latest.map((record) => record.notice.key));
    const records: FlowSnapshotRecord[] = latest.map((record, i) => ({
      notice: record.notice,
      // The aggregator gzips large snapshots (`gz:` + base64); the warm store keeps plain JSON.
      json: values[i] == null ? null : decodeFlowSnapshot(values[i]),
    }));
    for (const record of records) {
      if (record.json !== null) JSON.parse(record.json); // a corrupt value fails here and is dead-lettered with the reason
    }
    const expired = records.filter((record) => record.json === null);
    if (expired.length > 0) {
      writerRows.inc({ table: 'flow_snapshots', outcome: 'expired' }, expired.length);
      this.logger.warn(
        { stream: context.getStream(), keys: expired.map((record) => record.notice.key) },
        'flow snapshot keys expired before the writer read them; recorded without data',
      );
    }
    const written = await holdOnOutage('flow snapshots', () => this.snapshots.upsert(records));
    for (const { notice } of latest) {
      if (notice.final) this.openStoredAt.delete(FlowSnapshotWriterHandler.windowOf(notice));
      else this.openStoredAt.set(FlowSnapshotWriterHandler.windowOf(notice), notice.writtenAt);
    }
    this.forgetStale(latest[0]!.notice.writtenAt);
    writerRows.inc({ table: 'flow_snapshots', outcome: 'written' }, written);
    writerRows.inc({ table: 'flow_snapshots', outcome: 'duplicate' }, latest.length - written);
    writerRows.inc({ table: 'flow_snapshots', outcome: 'throttled' }, batch.length - latest.length);
    this.logger.debug(
      { stream: context.getStream(), received: batch.length, written, expired: expired.length },
      'flow snapshots written',
    );
  }

  private static windowOf(notice: FlowSnapshotNoticeMessage): string {
    return `${notice.coin}|${notice.timeWindow}|${notice.timestamp}`;
  }

  /** A final notice, or an open window's first notice here or the first WARM_FLOW_OPEN_INTERVAL_MS after the last stored. */
  private due(notice: FlowSnapshotNoticeMessage): boolean {
    if (notice.final) return true;
    const storedAt = this.openStoredAt.get(FlowSnapshotWriterHandler.windowOf(notice));
    return storedAt === undefined || notice.writtenAt - storedAt >= this.config.WARM_FLOW_OPEN_INTERVAL_MS;
  }

  /** Windows whose final notice never came here (another replica stored it) are forgotten after a day. */
  private forgetStale(now: number): void {
    if (this.openStoredAt.size < 1_000) return;
    for (const [window, storedAt] of this.openStoredAt)
      if (now - storedAt > 86_400_000) this.openStoredAt.delete(window);
  }
}
