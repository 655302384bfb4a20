import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { formatRecordedFrame } from '@mdp/domain-ingestion';
import type { Venue } from '@mdp/schemas';

/**
 * Appends raw venue frames to a gzip file of JSON lines `{"venue","recvTs","frame"}` (the format is
 * described with RecordedFrame in @mdp/domain-ingestion and in docs/ingestion.md).
 */
export class RawFrameRecorder {
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  frames = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.gzip = createGzip();
    this.file = createWriteStream(path, { flags: 'a' });
    this.gzip.pipe(this.file);
  }

  write(venue: Venue, recvTs: number, frame: string): void {
    this.gzip.write(`${formatRecordedFrame({ venue, recvTs, frame })}\n`);
    this.frames += 1;
  }

  /** Ends the gzip member and waits until the file is written. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.file.once('finish', resolve);
      this.file.once('error', reject);
      this.gzip.end();
    });
  }
}
