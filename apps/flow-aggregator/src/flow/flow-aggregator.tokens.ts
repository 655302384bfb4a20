/** Injection tokens of the flow aggregator: its Redis connection and its logger. */
export const FLOW_TOKENS = {
  redis: Symbol('FLOW_REDIS'),
  logger: Symbol('FLOW_LOGGER'),
} as const;
