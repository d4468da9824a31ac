import { Redis } from 'ioredis';
import type { Coordination } from '../coordination.js';
import { RedisLiveState } from './live-state.js';
import { RedisOwnership } from './ownership.js';

/** Coordination through the Redis at `url`; every key starts with `prefix`, so deployments (and tests) can share one Redis. */
export function redisCoordination(url: string, prefix = 'outpace:'): Coordination {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  const subscribers: Redis[] = [];
  const openSubscriber = () => {
    const subscriber = new Redis(url);
    subscribers.push(subscriber);
    return subscriber;
  };
  return {
    ownership: new RedisOwnership(redis, prefix),
    live: new RedisLiveState(redis, openSubscriber, prefix),
    async close() {
      // Subscribers hold nothing to flush; a listener that already unsubscribed has quit its own.
      for (const subscriber of subscribers) subscriber.disconnect();
      await redis.quit();
    },
  };
}
