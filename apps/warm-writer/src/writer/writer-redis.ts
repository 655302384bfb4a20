/** Injection token of the writer's Redis connection (non-blocking commands: snapshot reads, health). */
export const WRITER_REDIS = Symbol('WRITER_REDIS');
