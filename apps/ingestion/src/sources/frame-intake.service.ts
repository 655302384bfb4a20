import { FrameParseError, type VenueAdapter } from '@mdp/domain-ingestion';
import type { Venue } from '@mdp/schemas';
import type { Logger } from '@mdp/platform';
import { errorText } from '@mdp/transport';
import type { IngestionMetrics } from '../metrics/ingestion.metrics';
import type { IngestionPublisher } from '../publishing/ingestion.publisher';
import type { RawFrameRecorder } from '../recording/raw-frame.recorder';

const LOGGED_ERRORS_PER_VENUE = 20;
/** The two ways to accept a frame's events, made once rather than an options object per frame. */
const SEQUENTIAL = Object.freeze({ sequentialTradeIds: true });
const NOT_SEQUENTIAL = Object.freeze({ sequentialTradeIds: false });

/**
 * Where every raw frame goes, live or replayed: recorded (live only), parsed by the venue's adapter,
 * handed to the publisher. A frame the adapter rejects is counted, logged with the venue and a
 * sample (the first 20 per venue, then every 1000th), and skipped; it never reaches a stream.
 */
export class FrameIntake {
  readonly errors = new Map<Venue, number>();

  constructor(
    private readonly publisher: IngestionPublisher,
    private readonly metrics: IngestionMetrics,
    private readonly logger: Logger,
    private readonly recorder: RawFrameRecorder | null = null,
  ) {}

  /** Returns the frames the adapter wants sent back (auth, subscribe, pong). */
  handle(adapter: VenueAdapter, frame: string, recvTs: number): readonly string[] {
    const venue = adapter.venue;
    this.metrics.countFrame(venue);
    this.recorder?.write(venue, recvTs, frame);
    try {
      const parsed = adapter.parse(frame, recvTs);
      if (parsed.trades.length + parsed.liquidations.length + parsed.ticks.length > 0) {
        this.publisher.accept(venue, parsed, adapter.sequentialTradeIds ? SEQUENTIAL : NOT_SEQUENTIAL);
      }
      return parsed.replies;
    } catch (error) {
      this.rejected(venue, frame, error);
      return [];
    }
  }

  rejected(venue: Venue, frame: string, error: unknown): void {
    const count = (this.errors.get(venue) ?? 0) + 1;
    this.errors.set(venue, count);
    this.metrics.parseErrors.inc({ venue });
    if (count <= LOGGED_ERRORS_PER_VENUE || count % 1000 === 0) {
      this.logger.warn(
        {
          venue,
          reason: error instanceof FrameParseError ? error.message : errorText(error),
          sample: frame.slice(0, 300),
          errorsSoFar: count,
        },
        'frame skipped',
      );
    }
  }
}
