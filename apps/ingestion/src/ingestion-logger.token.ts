/** Nest injection token of the service's pino logger. */
export const INGESTION_LOGGER = Symbol('INGESTION_LOGGER');
