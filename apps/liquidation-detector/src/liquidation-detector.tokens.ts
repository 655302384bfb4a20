/** Injection token of the wired detector components (DetectorComponents). */
export const DETECTOR_COMPONENTS = Symbol('DETECTOR_COMPONENTS');
