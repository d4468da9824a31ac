import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeskHub } from '../../src/agents/desk-hub.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState, updateCampaign } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { takeCampaign } from '../../src/campaigns/dialing/campaign-fence.js';
import { CampaignRunner } from '../../src/campaigns/dialing/campaign-runner.js';
import { runCommand } from '../../src/cli/commands/run.js';
import type { Coordination } from '../../src/coordination/coordination.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId } from '../../src/domain/ids.js';
import { HOUR } from '../../src/domain/time.js';
import type { EngineObserver } from '../../src/engine/campaign-engine.js';
import { wallClockScheduler } from '../../src/engine/scheduler.js';
import type { Db } from '../../src/storage/db.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import { openIsolatedPostgres, postgresUrl } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { campaignClock, Heard, quietLogger, type TelephonyLab, testServerLab } from './telephony-lab.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const AGENT = AgentId('agent1');
const SECOND_AGENT = AgentId('agent2');
const WAIT = { timeout: 15_000, interval: 50 };
const url = await postgresUrl();

describe('outpace run', () => {
  it('needs a campaign and a PBX to dial through', async () => {
    expect(await runCommand([], { ARI_URL: 'http://pbx:8088' })).toBe(2);
    expect(await runCommand(['--campaign', 'c1'], {})).toBe(2);
  });
});

describe.skipIf(!url)('running a campaign for outpace serve', () => {
  let db: Db;
  let lab: TelephonyLab;
  let coordination: Coordination;
  let telephony: AriTelephony;
  let heard: Heard;
  beforeAll(async () => {
    db = await openIsolatedPostgres(url!);
    await runMigrations(db);
    lab = await testServerLab();
    coordination = memoryCoordination(wallClockScheduler);
    telephony = await AriTelephony.connect({ config: lab.config('runner'), logger: quietLogger, clock: campaignClock(T0) });
    telephony.subscribe((e) => heard.push(e));
  });
  afterAll(async () => {
    telephony?.close();
    await coordination?.close();
    await lab?.close();
    await db?.close();
  });
  beforeEach(async () => {
    await emptyTables(db);
    await upsertAgent(db, { id: AGENT, name: 'Agent 1', redList: false });
    heard = new Heard(lab.patienceMs);
  });

  const runner = (campaign: Campaign, engineId = 'runner', desk = new DeskHub(), observer: EngineObserver = {}) =>
    new CampaignRunner({
      db,
      coordination,
      campaignId: campaign.id,
      engineId,
      port: telephony,
      desk,
      scheduler: campaignClock(T0),
      logger: quietLogger,
      trunk: { id: 'carrier', maxLines: 10, maxCallsPerSecond: 10 },
      observer,
    });

  it('refuses a campaign that is not running, saying how to start it', async () => {
    const campaign = await makeCampaign(db);
    await expect(runner(campaign).start()).rejects.toThrow(/is draft: start it first \(POST \/api\/v1\/campaigns\/.*\/start\)/);
    expect(await coordination.ownership.owner(campaign.id)).toBeNull();
  });

  it('owns the campaign while it runs, and drains by letting the call in progress end and its wrap-up be dispositioned', async () => {
    const campaign = await makeCampaign(db, { pacing: { mode: 'progressive' } });
    await changeCampaignState(db, campaign.id, 'start', 'test');
    // The customer is dialed first and talks 3 s; the other leads would never answer.
    const talking = lab.numberFor({ kind: 'human', ringMs: 500, talkMs: 300_000 });
    const ids = await addLeads(db, campaign, [
      { phone: talking, priority: 9 },
      { phone: lab.numberFor({ kind: 'never-answers' }) },
      { phone: lab.numberFor({ kind: 'never-answers' }) },
    ]);
    const desk = new DeskHub();
    const first = runner(campaign, 'runner', desk);
    await first.start();
    expect(await coordination.ownership.owner(campaign.id)).toMatchObject({ engineId: 'runner' });
    await expect(runner(campaign, 'another').start()).rejects.toThrow(/is run by engine runner/);

    desk.publish({ type: 'agent.login', agentId: AGENT, endpoint: lab.agentEndpoint(1), at: T0 });
    const connected = await heard.next('call.connected');
    let drained = false;
    const draining = first.drain().then(() => (drained = true));
    await heard.next('call.ended');
    // The call is over, its wrap-up is not: the drain waits for the agent's disposition.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(drained).toBe(false);
    desk.publish({ type: 'agent.wrap-up-done', agentId: AGENT, attemptId: connected.attemptId, disposition: 'valid-sale', at: T0 });
    await draining;

    expect(heard.events.filter((e) => e.type === 'call.ended').map((e) => e.attemptId)).toEqual([connected.attemptId]);
    const { rows } = await db.query<{ outcome: string; agent_id: string; ended_at: Date | null; disposition: string | null }>(
      'SELECT outcome, agent_id, ended_at, disposition FROM attempts WHERE id = $1::uuid',
      [connected.attemptId],
    );
    expect(rows).toEqual([{ outcome: 'live', agent_id: 'agent1', ended_at: expect.any(Date), disposition: 'valid-sale' }]);
    const { rows: leads } = await db.query<{ phone: string; state: string }>('SELECT phone, state FROM leads WHERE id = ANY ($1::uuid[])', [
      [...ids.values()],
    ]);
    expect(leads.map((l) => [l.phone, l.state]).sort()).toEqual(
      [...ids.keys()].map((phone) => [phone, phone === talking ? 'done' : 'ready']).sort(),
    );
    expect(await coordination.ownership.owner(campaign.id)).toBeNull();
  }, 30_000);

  it('follows the campaign as managers change it (pacing, pause, start); the wallboard sees its calls', async () => {
    const campaign = await makeCampaign(db, { pacing: { mode: 'progressive' } });
    await changeCampaignState(db, campaign.id, 'start', 'test');
    await addLeads(db, campaign, Array.from({ length: 40 }, () => ({ phone: lab.numberFor({ kind: 'busy' }) })));
    const desk = new DeskHub();
    const policies: string[] = [];
    const running = runner(campaign, 'runner', desk, { decision: (d) => policies.push(d.policy) });
    await running.start();
    // An agent of their own: the earlier test's agent keeps their leg on this shared ARI connection.
    await upsertAgent(db, { id: SECOND_AGENT, name: 'Agent 2', redList: false });
    desk.publish({ type: 'agent.login', agentId: SECOND_AGENT, endpoint: lab.agentEndpoint(2), at: T0 });
    const dials = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM attempts WHERE campaign_id = $1', [campaign.id])).rows[0]!.n);
    await vi.waitFor(async () => expect(await dials()).toBeGreaterThanOrEqual(3), WAIT);

    await changeCampaignState(db, campaign.id, 'pause', 'test');
    // The runner reads the campaign once a second; a call launched just before the pause may still be written.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const paused = await dials();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await dials()).toBe(paused);

    await changeCampaignState(db, campaign.id, 'start', 'test');
    await vi.waitFor(async () => expect(await dials()).toBeGreaterThan(paused + 2), WAIT);
    await updateCampaign(db, campaign.id, { pacing: { mode: 'power', powerLinesPerAgent: 2 } }, 'test');
    await vi.waitFor(() => expect(policies.at(-1)).toBe('power'), WAIT);
    // The runner works on the campaign clock, which starts at T0: its counters are T0's day.
    const today = await coordination.live.counters(campaign.id, T0);
    expect(today.dials).toBeGreaterThan(paused);
    expect((await coordination.live.agentStates())[SECOND_AGENT]).toMatchObject({ campaignId: campaign.id });
    await running.drain();
    expect(await coordination.live.callsInFlight(campaign.id)).toEqual([]);
  }, 30_000);

  it("keeps the lease from the take: an adoption outlasting it leaves the campaign to no third engine, and the taker never loses it", async () => {
    const TTL_MS = 600;
    const campaign = await makeCampaign(db, { pacing: { mode: 'progressive' } });
    await changeCampaignState(db, campaign.id, 'start', 'test');
    await addLeads(db, campaign, [{ phone: lab.numberFor({ kind: 'never-answers' }) }]);
    // A lost engine owned the campaign and left a call open; its Redis lease has lapsed.
    await takeCampaign(db, campaign.id, 'lost');
    await db.query(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at)
       SELECT l.id, l.campaign_id, l.customer_id, l.phone, 'lost', now() FROM leads l WHERE l.campaign_id = $1`,
      [campaign.id],
    );
    // The PBX is slow to say which of the lost engine's calls it holds: three leases long.
    const slowToAdopt = new Proxy(telephony, {
      get(target, key) {
        if (key === 'adoptCalls') {
          return async (requests: Parameters<NonNullable<AriTelephony['adoptCalls']>>[0]) => {
            await new Promise((resolve) => setTimeout(resolve, 3 * TTL_MS));
            return target.adoptCalls(requests);
          };
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const said: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void said.push((JSON.parse(line) as { msg: string }).msg) });
    const taker = new CampaignRunner({
      db,
      coordination,
      campaignId: campaign.id,
      engineId: 'taker',
      port: slowToAdopt,
      desk: new DeskHub(),
      scheduler: campaignClock(T0),
      logger,
      trunk: { id: 'carrier', maxLines: 10, maxCallsPerSecond: 10 },
      leaseTtlMs: TTL_MS,
    });
    const starting = taker.start();
    await new Promise((resolve) => setTimeout(resolve, 2 * TTL_MS));
    expect(await coordination.ownership.acquire(campaign.id, 'third', TTL_MS)).toBeNull();
    await starting;
    expect(await coordination.ownership.owner(campaign.id)).toMatchObject({ engineId: 'taker' });
    expect(said.filter((msg) => msg.startsWith('campaign lost'))).toEqual([]);
    const { rows } = await db.query<{ engine_id: string; outcome: string | null }>('SELECT engine_id, outcome FROM attempts WHERE campaign_id = $1', [campaign.id]);
    expect(rows).toEqual([{ engine_id: 'taker', outcome: 'failed' }]);
    await taker.drain();
  }, 30_000);
});

