import Redis, { Cluster, type RedisOptions } from 'ioredis';

/** A standalone Redis or a Redis Cluster: every data path in this repo works on both. */
export type RedisClient = Redis | Cluster;

/**
 * Opens a connection from a URL: `redis://[:password@]host:port[/db]`, `rediss://` for TLS, or
 * `redis-cluster://host:port,host:port` for a cluster (password in the URL applies to every node).
 */
export function createRedisConnection(url: string, options: RedisOptions = {}): RedisClient {
  if (url.startsWith('redis-cluster://')) {
    const parsed = new URL(url.replace(/^redis-cluster:\/\//, 'redis://').replace(/,.*$/, ''));
    const hosts = url
      .replace(/^redis-cluster:\/\/([^@]*@)?/, '')
      .split(',')
      .map((hostPort) => {
        const [host, port] = hostPort.replace(/\/.*$/, '').split(':');
        return { host: host!, port: Number(port ?? 6379) };
      });
    return new Cluster(hosts, {
      redisOptions: {
        ...options,
        password: parsed.password || undefined,
        username: parsed.username || undefined,
      },
      enableOfflineQueue: options.enableOfflineQueue ?? true,
    });
  }
  return new Redis(url, options);
}

/** A second connection to the same server(s), e.g. for a blocking read. */
export function duplicateConnection(client: RedisClient): RedisClient {
  return client.duplicate();
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}
