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
import { writerRows } from './writer-metrics';

/**
 * Flow snapshot notices: reads each snapshot's JSON from Redis (GET key) and keeps it in
 * flow_snapshots beyond its Redis TTL. A key that has already expired is recorded as a row without
 * data (and counted), then acknowledged: waiting cannot bring it back.
 */
@Controller()
export class FlowSnapshotWriterHandler {
  constructor(
    private readonly snapshots: FlowSnapshotRepository,
    private readonly hot: HotFlowSnapshotRepository,
    @Inject(WRITER_LOGGER) private readonly logger: WriterLogger,
  ) {}

  @OnStream(FlowSnapshotStream, { batch: true })
  async onSnapshots(
    @Payload() batch: FlowSnapshotNoticeMessage[],
    @Ctx() context: StreamContext,
  ): Promise<void> {
    const latest = FlowSnapshotRepository.latestPerWindow(batch.map((notice) => ({ notice, json: '' })));
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
    writerRows.inc({ table: 'flow_snapshots', outcome: 'written' }, written);
    writerRows.inc({ table: 'flow_snapshots', outcome: 'duplicate' }, batch.length - written);
    this.logger.debug(
      { stream: context.getStream(), received: batch.length, written, expired: expired.length },
      'flow snapshots written',
    );
  }
}
