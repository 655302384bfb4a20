import { VENUES, type Venue } from '@mdp/schemas';
import { FrameParseError } from './frame-parse.error';

/**
 * One raw venue frame as the recorder stores it. A recording is a gzip file of JSON lines, one
 * frame per line, in receive order: `{"venue":"binance","recvTs":1700000000123,"frame":"{...}"}`.
 * `frame` is the exact text received (a JSON document itself, kept as a string so nothing is
 * re-serialized); `recvTs` is the receive time in epoch ms, which replay hands to the adapter so a
 * replay reproduces the same normalized events, and which paces replay at real speed.
 */
export interface RecordedFrame {
  venue: Venue;
  recvTs: number;
  frame: string;
}

export function formatRecordedFrame(frame: RecordedFrame): string {
  return JSON.stringify({ venue: frame.venue, recvTs: frame.recvTs, frame: frame.frame });
}

export function parseRecordedFrame(line: string): RecordedFrame {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new FrameParseError('recording line is not JSON');
  }
  const record = value as Partial<RecordedFrame> | null;
  if (
    !record ||
    typeof record.frame !== 'string' ||
    typeof record.recvTs !== 'number' ||
    !Number.isInteger(record.recvTs) ||
    !(VENUES as readonly string[]).includes(record.venue ?? '')
  ) {
    throw new FrameParseError('recording line lacks venue, recvTs or frame');
  }
  return { venue: record.venue!, recvTs: record.recvTs, frame: record.frame };
}
