export * from './lib/config';
export * from './lib/service.config';
export * from './lib/logger';
export * from './lib/redis-connection';
export * from './lib/health';
export * from './lib/redis-script';
