/**
 * Redis out of reach while an engine runs a campaign (issue 15, item 3): the
 * lease cannot be renewed, so once it lapses the engine stops dialing (it
 * cannot prove it owns the campaign); it says so once, not once per retry;
 * when Redis is back it takes the lease again, moves the storage fence to a
 * new generation, and dials again by itself. Redis is reached through a
 * proxy the test cuts: the machine's Redis is shared.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { CampaignLease } from '../../src/campaigns/dialing/campaign-lease.js';
import { campaignOwner } from '../../src/campaigns/dialing/campaign-fence.js';
import type { Coordination } from '../../src/coordination/coordination.js';
import { redisCoordination } from '../../src/coordination/redis/redis-coordination.js';
import { wallClockScheduler } from '../../src/engine/scheduler.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { openIsolatedPostgres, postgresUrl, type IsolatedDb } from '../support/databases.js';
import { addLeads, makeCampaign } from '../support/fixtures.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const databaseUrl = await postgresUrl();
const redis = await redisUrl();
const TTL_MS = 1200;

describe.skipIf(!databaseUrl || !redis)('the campaign lease while Redis is out of reach', () => {
  let db: IsolatedDb;
  let proxy: TcpProxy;
  let coordination: Coordination;
  const prefix = uniquePrefix();
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  beforeAll(async () => {
    db = await openIsolatedPostgres(databaseUrl!);
    await runMigrations(db);
    const server = new URL(redis!);
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 6379) });
    coordination = redisCoordination(proxy.through(redis!), prefix, logger);
  });
  afterAll(async () => {
    proxy?.restore();
    await coordination?.close().catch(() => undefined);
    await proxy?.close();
    await dropPrefix(redis!, prefix);
    await db?.close();
  });

  it('stops dialing once the lease lapses, says so once, and takes the campaign back by itself when Redis returns', async () => {
    const campaign = await makeCampaign(db);
    await addLeads(db, campaign, [{ phone: '+12025550123' }]);
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const lease = await CampaignLease.take({ db, coordination, campaignId: campaign.id, engineId: 'e', scheduler: wallClockScheduler, logger, ttlMs: TTL_MS });
    const told: string[] = [];
    lease.keep({ lost: () => told.push('lost'), regained: () => told.push('regained') });
    const firstGeneration = lease.fence.generation;

    proxy.cutOff();
    await until(() => told.length === 1, 10_000);
    expect(told).toEqual(['lost']);
    // Down for several renewal periods: still one line per change of state.
    await new Promise((resolve) => setTimeout(resolve, 3 * TTL_MS));
    expect(told).toEqual(['lost']);

    // Meanwhile another engine dialed the campaign and its call is still open: not taken back beside it.
    const other = await db.query<{ id: string }>(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at)
       SELECT l.id, l.campaign_id, l.customer_id, l.phone, 'other-engine', now() FROM leads l WHERE l.campaign_id = $1 LIMIT 1 RETURNING id`,
      [campaign.id],
    );
    proxy.restore();
    await until(() => lines.some((l) => /^another engine left calls of this campaign open/.test(l.msg)), 15_000);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS));
    expect(told).toEqual(['lost']);
    // Its call closed: taken back.
    await db.query(`UPDATE attempts SET ended_at = now(), outcome = 'busy' WHERE id = $1`, [other.rows[0]!.id]);
    await until(() => told.length === 2, 15_000);
    expect(told).toEqual(['lost', 'regained']);
    // Taken back: the storage fence moved on, so anything the engine held before is fenced off.
    expect(lease.fence.generation).toBeGreaterThan(firstGeneration);
    expect(await campaignOwner(db, campaign.id)).toEqual({ engineId: 'e', generation: lease.fence.generation });
    expect(await coordination.ownership.owner(campaign.id)).toEqual({ engineId: 'e', token: lease.token });
    const said = lines.filter((l) => l.level >= 40).map((l) => l.msg);
    expect(said).toEqual([
      expect.stringMatching(/^Redis unreachable/),
      expect.stringMatching(/^could not renew the campaign lease; retrying until it lapses/),
      expect.stringMatching(/^campaign lost \(could not renew the lease before it lapsed\)/),
      expect.stringMatching(/^another engine left calls of this campaign open/),
    ]);
    expect(lines.filter((l) => l.level === 30).map((l) => l.msg)).toEqual(
      expect.arrayContaining(['Redis reachable again', 'campaign lease taken back: dialing again']),
    );
    await lease.release();
  }, 40_000);
});

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(condition()).toBe(true);
}
