/** A message class: constructible with no arguments, decorated with class-validator rules. */
export type MessageClass<T extends object = object> = new () => T;

/**
 * One stream's contract, declared once and imported by both producer and consumer.
 * The stream key carries a Redis Cluster hash tag, so the stream and its dead-letter stream live
 * in one slot and can be written in one MULTI.
 */
export interface StreamDefinition<T extends object = object> {
  /** Redis key of the stream, e.g. `stream:{trades}`. */
  readonly stream: string;
  /** Redis key of the dead-letter stream, e.g. `stream:{trades}:dlq`. */
  readonly deadLetterStream: string;
  /** Message type name carried in every entry. */
  readonly type: string;
  /** Schema version carried in every entry; a breaking change declares a new version. */
  readonly version: number;
  /** The class whose class-validator rules every message must satisfy. */
  readonly messageClass: MessageClass<T>;
}

/** The payload type a definition carries. */
export type MessageOf<D> = D extends StreamDefinition<infer T> ? T : never;

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

export function defineStream<T extends object>(options: {
  name: string;
  type: string;
  version: number;
  messageClass: MessageClass<T>;
}): StreamDefinition<T> {
  if (!NAME_PATTERN.test(options.name)) {
    throw new Error(`stream name "${options.name}" must match ${NAME_PATTERN}`);
  }
  if (!Number.isInteger(options.version) || options.version < 1) {
    throw new Error(`stream "${options.name}" needs a positive integer version, got ${options.version}`);
  }
  const stream = `stream:{${options.name}}`;
  return Object.freeze({
    stream,
    deadLetterStream: `${stream}:dlq`,
    type: options.type,
    version: options.version,
    messageClass: options.messageClass,
  });
}
