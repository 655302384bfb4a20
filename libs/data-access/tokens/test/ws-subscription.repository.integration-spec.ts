import type Redis from 'ioredis';
import { createTestRedis } from '@mdp/testing';
import { WsSubscriptionRepository, replicaOfConnection } from '../src';

describe('WsSubscriptionRepository (ws_subs:{token_id})', () => {
  let redis: Redis;
  let repository: WsSubscriptionRepository;

  beforeEach(async () => {
    redis = await createTestRedis();
    repository = new WsSubscriptionRepository(redis);
  });
  afterEach(() => redis.disconnect());

  it('adds and removes connection ids, without a TTL', async () => {
    await repository.add(1, 'gw-a:1');
    await repository.add(1, 'gw-a:2');
    await repository.add(2, 'gw-a:1');
    expect(await repository.members(1)).toEqual(['gw-a:1', 'gw-a:2']);
    expect(await redis.ttl('ws_subs:1')).toBe(-1);
    await repository.remove(1, 'gw-a:1');
    expect(await repository.members(1)).toEqual(['gw-a:2']);
    await repository.removeAll([
      { tokenId: 1, connectionId: 'gw-a:2' },
      { tokenId: 2, connectionId: 'gw-a:1' },
    ]);
    expect(await redis.keys('ws_subs:*')).toEqual([]);
  });

  it('sweeps members of replicas without a heartbeat and own members no live connection holds', async () => {
    await repository.heartbeat('gw-b', 30);
    expect(await redis.ttl('ws_replica:gw-b')).toBeGreaterThan(25);
    await repository.addAll([
      { tokenId: 7, connectionId: 'gw-a:1' }, // own, live
      { tokenId: 9, connectionId: 'gw-a:1' }, // own connection, no longer subscribed to 9
      { tokenId: 7, connectionId: 'gw-a:2' }, // own, gone
      { tokenId: 7, connectionId: 'gw-b:1' }, // other replica, alive
      { tokenId: 7, connectionId: 'gw-dead:1' }, // other replica, no heartbeat
      { tokenId: 8, connectionId: 'gw-dead:2' },
    ]);
    await redis.set('unrelated', 'x');
    const removed = await repository.sweep('gw-a', (id, tokenId) => id === 'gw-a:1' && tokenId === 7);
    expect(removed).toBe(4);
    expect(await redis.exists('ws_subs:9')).toBe(0);
    expect(await repository.members(7)).toEqual(['gw-a:1', 'gw-b:1']);
    expect(await redis.exists('ws_subs:8')).toBe(0);
    expect(await redis.get('unrelated')).toBe('x');

    await repository.forgetReplica('gw-b');
    expect(await repository.sweep('gw-a', () => false)).toBe(2);
    expect(await redis.keys('ws_subs:*')).toEqual([]);
  });

  it('reads the replica of a connection id', () => {
    expect(replicaOfConnection('host-12:7')).toBe('host-12');
    expect(replicaOfConnection('a:b:3')).toBe('a:b');
  });
});
