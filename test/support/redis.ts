import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

const LOCAL_REDIS = 'redis://127.0.0.1:6379';

/** REDIS_URL, or the local Redis; undefined (with the reason printed) when none answers. */
export async function redisUrl(): Promise<string | undefined> {
  const url = process.env.REDIS_URL ?? LOCAL_REDIS;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
    return url;
  } catch (error) {
    if (process.env.REDIS_URL) throw error;
    console.warn(`Redis suites skipped: REDIS_URL is unset and ${LOCAL_REDIS} is unreachable (${String(error)})`);
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/** A key prefix no other test file uses. */
export function uniquePrefix(): string {
  return `outpace-test:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under the prefix. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}
