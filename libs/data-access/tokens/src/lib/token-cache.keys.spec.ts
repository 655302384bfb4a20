import {
  tokenKey,
  tokenListKey,
  velocityKey,
  wsReplicaKey,
  wsSubscriptionsKey,
  TOKEN_TTL_SECONDS,
  TOKEN_LIST_TTL_SECONDS,
  VELOCITY_TTL_SECONDS,
} from './token-cache.keys';

describe('token cache keys', () => {
  it('builds the seed 003 key patterns', () => {
    expect(tokenKey(1)).toBe('token:1');
    expect(velocityKey(1027, '7d')).toBe('velocity:1027:7d');
    expect(tokenListKey('market_cap', 100, 0)).toBe('tokens:list:market_cap:100:0');
    expect(wsSubscriptionsKey(1027)).toBe('ws_subs:1027');
    expect(wsReplicaKey('gw-1')).toBe('ws_replica:gw-1');
  });

  it('uses the seed TTLs', () => {
    expect([TOKEN_TTL_SECONDS, TOKEN_LIST_TTL_SECONDS, VELOCITY_TTL_SECONDS]).toEqual([60, 300, 300]);
  });
});
