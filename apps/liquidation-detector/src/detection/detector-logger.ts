/** Injection token of the detector's pino logger. */
export const DETECTOR_LOGGER = Symbol('DETECTOR_LOGGER');
