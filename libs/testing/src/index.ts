export * from './lib/test-services';
export * from './lib/test-redis';
export * from './lib/test-database';
export * from './lib/wait-for';
export * from './lib/ts-process';
export * from './lib/redis-db-lease';
export * from './lib/redis-cluster';
export * from './lib/private-redis';
