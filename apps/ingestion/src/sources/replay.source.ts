import {
  createVenueAdapter,
  parseRecordedFrame,
  type VenueAdapter,
  type VenueAdapterSettings,
} from '@mdp/domain-ingestion';
import type { Logger } from '@mdp/platform';
import { errorText } from '@mdp/transport';
import type { IngestionPublisher } from '../publishing/ingestion.publisher';
import { readRecordingLines } from '../recording/recording.reader';
import type { EventSource } from './event-source';
import type { FrameIntake } from './frame-intake.service';

/**
 * Feeds a recording back through the same venue adapters and publisher as the live path, with the
 * recorded receive times, so the same recording gives the same normalized events. `speed` 1 keeps the
 * recorded pace, 10 is ten times faster, 0 as fast as Redis takes it. Gaps found in a replay are
 * published but not backfilled (a replay does not call venues).
 */
export class ReplaySource implements EventSource {
  readonly name = 'replay';
  private stopped = false;
  private run: Promise<void> | null = null;
  frames = 0;
  finished = false;
  /** Resolves when the whole recording has been published. */
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly speed: number,
    private readonly settings: VenueAdapterSettings,
    private readonly intake: FrameIntake,
    private readonly publisher: IngestionPublisher,
    private readonly logger: Logger,
  ) {}

  start(): Promise<void> {
    this.run = this.replay().catch((error: unknown) => {
      this.logger.error({ file: this.path, error: errorText(error) }, 'replay failed');
    });
    this.done = this.run;
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.run;
  }

  health(): Record<string, unknown> {
    return { source: this.name, file: this.path, frames: this.frames, finished: this.finished };
  }

  private async replay(): Promise<void> {
    const adapters = new Map<string, VenueAdapter>();
    let firstRecvTs: number | null = null;
    const startedAt = Date.now();
    this.logger.info({ file: this.path, speed: this.speed }, 'replay started');
    for await (const line of readRecordingLines(this.path)) {
      if (this.stopped) break;
      let recorded;
      try {
        recorded = parseRecordedFrame(line);
      } catch (error) {
        this.intake.rejected('synthetic', line, error);
        continue;
      }
      if (recorded.venue === 'synthetic') continue;
      firstRecvTs ??= recorded.recvTs;
      if (this.speed > 0) {
        const due = startedAt + (recorded.recvTs - firstRecvTs) / this.speed;
        const wait = due - Date.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      let adapter = adapters.get(recorded.venue);
      if (!adapter) {
        adapter = createVenueAdapter(recorded.venue, this.settings);
        adapters.set(recorded.venue, adapter);
      }
      this.intake.handle(adapter, recorded.frame, recorded.recvTs);
      this.frames += 1;
      if (this.frames % 256 === 0) await this.publisher.whenWritable();
    }
    await this.publisher.flush();
    this.finished = true;
    this.logger.info({ file: this.path, frames: this.frames }, 'replay finished');
  }
}
