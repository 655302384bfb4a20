/** Injection token of the detector's Redis connection (non-blocking commands: storage, signals, memory readings). */
export const DETECTOR_REDIS = Symbol('DETECTOR_REDIS');
