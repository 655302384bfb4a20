/** A source of events the ingestion service runs: the generator, a replay, or the live venues. */
export interface EventSource {
  readonly name: string;
  start(): Promise<void>;
  /** Stops producing; resolves when nothing more will be handed to the publisher. */
  stop(): Promise<void>;
  /** Health detail of the source (throws when the source is not healthy). */
  health(): Record<string, unknown>;
}
