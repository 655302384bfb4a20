/** A frame that is malformed, of an unknown kind, or a venue error: counted, logged and skipped. */
export class FrameParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameParseError';
  }
}
