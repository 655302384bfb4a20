export * from './lib/token-cache.keys';
export * from './lib/token-cache.model';
export * from './lib/token-snapshot.model';
export * from './lib/token-cache.repository';
export * from './lib/token-store.repository';
export * from './lib/ws-subscription.repository';
