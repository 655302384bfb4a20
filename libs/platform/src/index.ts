export * from './lib/config';
export * from './lib/logger';
export * from './lib/redis-connection';
