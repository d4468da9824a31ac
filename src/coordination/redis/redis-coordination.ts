import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Coordination, CoordinationHealth } from '../coordination.js';
import { RedisLiveState } from './live-state.js';
import { RedisOwnership } from './ownership.js';
import { RedisTrunkLines } from './trunk-lines.js';

/**
 * Coordination through the Redis at `url`; every key starts with `prefix`, so
 * deployments (and tests) can share one Redis. While Redis is unreachable
 * ioredis retries by itself; the state is logged once per change (not once
 * per retry) and shown by health().
 */
export function redisCoordination(url: string, prefix = 'outpace:', logger?: Logger): Coordination {
  let health: CoordinationHealth = { reachable: true };
  const watch = (connection: Redis) => {
    // Without an error listener ioredis prints "Unhandled error event" on every retry.
    connection.on('error', (err: Error) => {
      if (!health.reachable) return;
      health = { reachable: false, problem: `Redis at ${new URL(url).host} unreachable: ${err.message}` };
      logger?.error({ err: err.message }, 'Redis unreachable: campaign leases cannot be renewed and the wallboard is not updated; retrying');
    });
    connection.on('ready', () => {
      if (health.reachable) return;
      health = { reachable: true };
      logger?.info('Redis reachable again');
    });
    return connection;
  };
  const redis = watch(new Redis(url, { maxRetriesPerRequest: 3 }));
  const subscribers: Redis[] = [];
  const openSubscriber = () => {
    const subscriber = watch(new Redis(url));
    subscribers.push(subscriber);
    return subscriber;
  };
  return {
    ownership: new RedisOwnership(redis, prefix),
    live: new RedisLiveState(redis, openSubscriber, prefix),
    trunks: new RedisTrunkLines(redis, prefix),
    health: () => health,
    async close() {
      // Subscribers hold nothing to flush; a listener that already unsubscribed has quit its own.
      for (const subscriber of subscribers) subscriber.disconnect();
      await redis.quit();
    },
  };
}
