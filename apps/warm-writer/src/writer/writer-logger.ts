import type { Logger } from '@mdp/platform';

/** Injection token of the writer's structured logger. */
export const WRITER_LOGGER = Symbol('WRITER_LOGGER');
export type WriterLogger = Logger;
