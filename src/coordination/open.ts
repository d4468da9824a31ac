import { pino } from 'pino';
import { wallClockScheduler } from '../engine/scheduler.js';
import type { Coordination } from './coordination.js';
import { memoryCoordination } from './memory.js';
import { redisCoordination } from './redis/redis-coordination.js';

/** Redis when REDIS_URL is set; else the in-process coordination, which serves one engine. */
export function openCoordinationFromEnv(env: NodeJS.ProcessEnv = process.env): Coordination {
  if (!env.REDIS_URL) return memoryCoordination(wallClockScheduler);
  const logger = pino({ name: 'outpace-coordination', level: env.LOG_LEVEL ?? 'info' });
  return redisCoordination(env.REDIS_URL, env.REDIS_PREFIX ?? 'outpace:', logger);
}
