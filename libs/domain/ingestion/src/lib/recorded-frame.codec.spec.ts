import { FrameParseError } from './frame-parse.error';
import { formatRecordedFrame, parseRecordedFrame } from './recorded-frame.codec';

describe('recorded frame lines', () => {
  it('round-trips a frame with its venue and receive time, the frame text untouched', () => {
    const frame = { venue: 'okx' as const, recvTs: 1_700_000_000_123, frame: 'pong' };
    expect(formatRecordedFrame(frame)).toBe('{"venue":"okx","recvTs":1700000000123,"frame":"pong"}');
    expect(parseRecordedFrame(formatRecordedFrame(frame))).toEqual(frame);
  });

  it('rejects a line without a known venue, an integer time and a frame', () => {
    expect(() => parseRecordedFrame('{"venue":"kraken","recvTs":1,"frame":"x"}')).toThrow(FrameParseError);
    expect(() => parseRecordedFrame('{"venue":"okx","recvTs":1.5,"frame":"x"}')).toThrow(FrameParseError);
    expect(() => parseRecordedFrame('not json')).toThrow(FrameParseError);
  });
});
