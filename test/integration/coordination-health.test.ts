/**
 * Redis out of reach (issue 15, item 3): the health check says `degraded`
 * and names Redis, and the outage is logged once, not once per retry.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthParts } from '../../src/api/health-parts.js';
import { buildApi } from '../../src/api/server.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { redisCoordination } from '../../src/coordination/redis/redis-coordination.js';
import type { Coordination } from '../../src/coordination/coordination.js';
import { CampaignId } from '../../src/domain/ids.js';
import { freshPglite } from '../support/databases.js';

describe('health while Redis is out of reach', () => {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let coordination: Coordination | undefined;
  afterAll(async () => {
    await coordination?.close().catch(() => undefined);
  });

  it('is degraded, naming Redis, and the outage is logged once', async () => {
    // Nothing listens on port 1: every connection attempt is refused, and ioredis keeps retrying.
    coordination = redisCoordination('redis://127.0.0.1:1', 'outpace-health:', logger);
    await expect(coordination.ownership.owner(CampaignId('c'))).rejects.toThrow();
    expect(coordination.health()).toEqual({ reachable: false, problem: expect.stringMatching(/^Redis at 127\.0\.0\.1:1 unreachable: .*ECONNREFUSED/) });
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([expect.stringMatching(/^Redis unreachable/)]);

    const db = await freshPglite('migrated');
    const api = await buildApi({ db, coordination, clock: { now: () => Date.now() } }, { logger: false });
    try {
      const health = await api.inject({ method: 'GET', url: '/api/v1/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toEqual({ status: 'degraded', database: 'pglite', degraded: [{ part: 'redis', problem: expect.stringMatching(/unreachable/) }] });
    } finally {
      await api.close();
      await db.close();
    }
  });
});

describe('health while a trunk is down', () => {
  it('is degraded, naming the trunk and why, until it is back', async () => {
    const db = await freshPglite('migrated');
    const health = new HealthParts();
    const api = await buildApi({ db, coordination: memoryCoordination({ now: () => Date.now() }), clock: { now: () => Date.now() }, health }, { logger: false });
    try {
      health.set('trunk carrier', 'its endpoint PJSIP/carrier is offline: the carrier does not answer qualify');
      const down = await api.inject({ method: 'GET', url: '/api/v1/health' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({
        status: 'degraded',
        database: 'pglite',
        degraded: [{ part: 'trunk carrier', problem: 'its endpoint PJSIP/carrier is offline: the carrier does not answer qualify' }],
      });
      health.set('trunk carrier', undefined);
      expect((await api.inject({ method: 'GET', url: '/api/v1/health' })).json()).toEqual({ status: 'ok', database: 'pglite' });
    } finally {
      await api.close();
      await db.close();
    }
  });
});
