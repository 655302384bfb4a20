import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-connection';

/** A Lua script run by EVALSHA, loaded with EVAL when the server does not have it (after a restart). */
export class RedisScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: string[], args: Array<string | number | Buffer>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT'))
        return redis.eval(this.source, keys.length, ...keys, ...args);
      throw error;
    }
  }
}
