/**
 * The supervisor's console on the API: the floor whole with each campaign's
 * last pacing decision and why it dials nothing, the controls (pause and log
 * out an agent, heard by the engine's desk; abandon target and mode within
 * the legal cap; start and pause), each audited; and roles: an agent's key
 * gets nothing, a supervisor makes no keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import type { AgentDeskEvent } from '../../src/agents/desk.js';
import { DeskHub } from '../../src/agents/desk-hub.js';
import { followSupervisorCommands } from '../../src/agents/supervisor-commands.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { LivePublisher } from '../../src/campaigns/dialing/live-publisher.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId, AttemptId } from '../../src/domain/ids.js';
import { SECOND } from '../../src/domain/time.js';
import { OutpaceMetrics } from '../../src/metrics/metrics.js';
import type { PacingDecision } from '../../src/pacing/pacer.js';
import type { Db } from '../../src/storage/db.js';
import type { SupervisionRequest, TelephonyListener } from '../../src/telephony/port.js';
import { freshPglite } from '../support/databases.js';
import { pacingDecision } from '../support/pacing-decision.js';
import { addLeads, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { quietLogger } from './telephony-lab.js';

const T0 = MONDAY_8AM_NEW_YORK + 3_600_000;
const ALICE = AgentId('alice');

const decision = (o: Partial<PacingDecision>) => pacingDecision(T0, o);

describe('the supervisor console', () => {
  let db: Db;
  let api: Api;
  const coordination = memoryCoordination({ now: () => T0 });
  const desk = new DeskHub();
  const heard: AgentDeskEvent[] = [];
  const supervised: unknown[] = [];
  const portListeners = new Set<TelephonyListener>();
  const port = {
    supervise: (r: SupervisionRequest) => void supervised.push(r),
    endSupervision: (id: string) => void supervised.push({ end: id }),
    subscribe: (l: TelephonyListener) => (portListeners.add(l), () => void portListeners.delete(l)),
  };
  let unfollow: () => Promise<void>;
  const keys: Record<'supervisor' | 'agent' | 'manager', string> = { supervisor: '', agent: '', manager: '' };

  beforeAll(async () => {
    db = await freshPglite('migrated');
    api = await buildApi({ db, coordination, clock: { now: () => T0 }, metrics: new OutpaceMetrics({ processMetrics: false }) });
    await upsertAgent(db, { id: ALICE, name: 'Alice', redList: false });
    keys.supervisor = await createApiKey(db, { name: 'sue', role: 'supervisor' });
    keys.manager = await createApiKey(db, { name: 'max', role: 'campaign-manager' });
    keys.agent = await createApiKey(db, { name: 'alice', role: 'agent', agentId: ALICE });
    desk.subscribe((e) => heard.push(e));
    unfollow = await followSupervisorCommands({ live: coordination.live, desk, clock: { now: () => T0 }, logger: quietLogger, port });
  });
  afterAll(async () => {
    await unfollow();
    await api.close();
    await db.close();
  });

  const call = (method: 'GET' | 'POST', url: string, who: keyof typeof keys, payload?: object) =>
    api.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${keys[who]}` }, ...(payload ? { payload } : {}) });
  const audited = async (entityId: string) =>
    (await db.query<{ actor: string; action: string; details: unknown }>('SELECT actor, action, details FROM audit_log WHERE entity_id = $1 ORDER BY id', [entityId])).rows;

  it("shows agents with their calls, calls by phase, and each campaign's last decision, the limit that cut it and its abandon rates", async () => {
    const campaign = await makeCampaign(db);
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const publisher = new LivePublisher({ live: coordination.live, campaignId: campaign.id, logger: quietLogger });
    publisher.agentState(ALICE, 'logged-out', 'ready', T0 - 5 * SECOND);
    publisher.attemptOpened(AttemptId('ringing'), T0 - 2 * SECOND);
    publisher.attemptOpened(AttemptId('talking'), T0 - 9 * SECOND);
    publisher.telephonyEvent({ type: 'call.connected', attemptId: AttemptId('talking'), agentId: ALICE, at: T0 - 4 * SECOND });
    publisher.agentState(ALICE, 'ready', 'on-call', T0 - 4 * SECOND);
    publisher.decision(decision({ at: T0 - 3 * SECOND }));
    // Within the second: not published again, unless the dialing stops for a new reason.
    publisher.decision(decision({ at: T0 - 2.5 * SECOND, dials: 1 }));
    publisher.decision(decision({ at: T0 - 2 * SECOND, dials: 0, proposed: 4, limitedBy: 'trunk-lines' }));
    await publisher.settled();

    const floor = (await call('GET', '/supervisor/floor', 'supervisor')).json();
    expect(floor.agents).toEqual([
      expect.objectContaining({ id: 'alice', state: 'on-call', secondsInState: 4, campaignId: campaign.id, call: expect.objectContaining({ attemptId: 'talking', phase: 'connected' }) }),
    ]);
    const shown = floor.campaigns.find((c: { id: string }) => c.id === campaign.id);
    expect(shown).toMatchObject({ mode: 'predictive', abandonTarget: 0.03, legalCap: 0.03, today: { dials: 2 } });
    expect(shown.calls.map((c: { attemptId: string; floorPhase: string }) => [c.attemptId, c.floorPhase]).sort()).toEqual([['ringing', 'ringing'], ['talking', 'talking']]);
    expect(shown.pacing).toMatchObject({ dials: 0, proposed: 4, limitedBy: 'trunk-lines', expectedFreeAgents: 2.5, expectedLiveAnswers: 2.2, abandonRate: 0.011, abandonRateLastHour: 0.02 });
    expect(shown.whyNotDialing).toEqual(["the trunk's lines are all in use"]);
  });

  it('says why nothing dials when the leads run out: the hopper, rule by rule', async () => {
    const campaign = await makeCampaign(db);
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const publisher = new LivePublisher({ live: coordination.live, campaignId: campaign.id, logger: quietLogger });
    publisher.decision(decision({ dials: 0, proposed: 2, limitedBy: 'hopper-empty', leadsAvailable: 0 }));
    await publisher.settled();
    const floor = (await call('GET', '/supervisor/floor', 'supervisor')).json();
    const shown = floor.campaigns.find((c: { id: string }) => c.id === campaign.id);
    expect(shown.whyNotDialing).toEqual(['no lead is left to call: 0 done, 0 out of attempts, 0 do-not-call; import a list']);
    expect(shown.hopper).toMatchObject({ open: 0 });
  });

  it("says why nothing dials while the campaign's trunk is down", async () => {
    const campaign = await makeCampaign(db);
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const publisher = new LivePublisher({ live: coordination.live, campaignId: campaign.id, logger: quietLogger });
    publisher.decision(decision({ dials: 0, proposed: 2, limitedBy: 'trunk-down', leadsAvailable: 10 }));
    await publisher.settled();
    const floor = (await call('GET', '/supervisor/floor', 'supervisor')).json();
    const shown = floor.campaigns.find((c: { id: string }) => c.id === campaign.id);
    expect(shown.whyNotDialing).toEqual([expect.stringMatching(/^the campaign's trunk is down \(the PBX finds its carrier unreachable\): dialing resumes by itself/)]);
  });

  it("pauses and logs out an agent through the engine's desk, audited", async () => {
    heard.length = 0;
    const paused = await call('POST', '/supervisor/agents/alice/pause', 'supervisor', { reason: 'coaching' });
    expect(paused.statusCode).toBe(202);
    expect((await call('POST', '/supervisor/agents/alice/logout', 'supervisor')).statusCode).toBe(202);
    expect(heard).toEqual([
      { type: 'agent.pause', agentId: ALICE, reason: 'coaching', at: T0 },
      { type: 'agent.logout', agentId: ALICE, at: T0 },
    ]);
    expect(await audited('alice')).toEqual([
      { actor: 'sue', action: 'pause', details: { reason: 'coaching' } },
      { actor: 'sue', action: 'log-out', details: {} },
    ]);
    expect((await call('POST', '/supervisor/agents/nobody/pause', 'supervisor', {})).statusCode).toBe(404);
    const wrong = await call('POST', '/supervisor/agents/alice/pause', 'supervisor', { reason: 'nap' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toMatch(/reason/);
  });

  it("rings the supervisor into the agent's call through the engine's telephony port, and ends it; audited", async () => {
    const asked = await call('POST', '/supervisor/agents/alice/supervise', 'supervisor', { endpoint: 'PJSIP/sup1', mode: 'whisper' });
    expect(asked.statusCode).toBe(202);
    const { sessionId } = asked.json();
    expect(supervised).toEqual([{ sessionId, agentId: ALICE, endpoint: 'PJSIP/sup1', mode: 'whisper' }]);
    // The port's word on the session reaches the wallboard's events, for the supervisors' pages.
    const news: unknown[] = [];
    const unsubscribe = await coordination.live.subscribe((e) => void (e.type === 'supervision' && news.push(e.supervision)));
    for (const l of portListeners) l({ type: 'supervision.started', sessionId, agentId: ALICE, attemptId: AttemptId('talking'), mode: 'whisper', at: T0 });
    expect(news).toEqual([{ sessionId, agentId: ALICE, state: 'started', mode: 'whisper', at: T0 }]);
    await unsubscribe();
    expect((await call('POST', `/supervisor/supervisions/${sessionId}/end`, 'supervisor')).statusCode).toBe(202);
    expect(supervised[1]).toEqual({ end: sessionId });
    expect((await audited(sessionId)).map((a) => [a.actor, a.action])).toEqual([['sue', 'end-supervision']]);
    expect((await audited('alice')).at(-1)).toEqual({ actor: 'sue', action: 'whisper', details: { sessionId, endpoint: 'PJSIP/sup1' } });
    const bad = await call('POST', '/supervisor/agents/alice/supervise', 'supervisor', { endpoint: 'sup1', mode: 'spy' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/endpoint: an endpoint such as PJSIP\/sup1/);
  });

  it('changes the abandon target and mode within the legal cap, naming the cap on refusal; starts and pauses; all audited and told on the live events', async () => {
    const campaign = await makeCampaign(db);
    const news: unknown[] = [];
    const unsubscribe = await coordination.live.subscribe((e) => void (e.type === 'campaign' && e.campaign.campaignId === campaign.id && news.push(e.campaign)));
    const changed = await call('POST', `/supervisor/campaigns/${campaign.id}/pacing`, 'supervisor', { abandonTarget: 0.02, mode: 'progressive' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({ id: campaign.id, mode: 'progressive', abandonTarget: 0.02 });
    const refused = await call('POST', `/supervisor/campaigns/${campaign.id}/pacing`, 'supervisor', { abandonTarget: 0.05 });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ field: 'abandonTarget' });
    expect(refused.json().message).toMatch(/us profile's legal cap of 3\.0%/);
    expect((await call('POST', `/supervisor/campaigns/${campaign.id}/pacing`, 'supervisor', {})).statusCode).toBe(400);
    expect((await call('POST', `/campaigns/${campaign.id}/start`, 'supervisor')).statusCode).toBe(200);
    expect((await call('POST', `/campaigns/${campaign.id}/pause`, 'supervisor')).statusCode).toBe(200);
    const trail = await audited(campaign.id);
    expect(trail.map((a) => [a.actor, a.action])).toEqual([['test', 'create'], ['sue', 'update'], ['sue', 'start'], ['sue', 'pause']]);
    expect(news).toEqual([
      { campaignId: campaign.id, state: 'draft', mode: 'progressive', abandonTarget: 0.02, by: 'sue', at: T0 },
      { campaignId: campaign.id, state: 'running', mode: 'progressive', abandonTarget: 0.02, by: 'sue', at: T0 },
      { campaignId: campaign.id, state: 'paused', mode: 'progressive', abandonTarget: 0.02, by: 'sue', at: T0 },
    ]);
    await unsubscribe();
  });

  it("gives the charts the campaign's day so far by quarter hour from midnight in the zone asked for: abandon rates as of each quarter's end, its occupancy", async () => {
    const campaign = await makeCampaign(db);
    await addLeads(db, campaign, Array.from({ length: 8 }, (_, i) => ({ phone: `+1202555070${i}` })));
    // T0 is 14:00 UTC, 19:30 in Kolkata (midnight there: 18:30 UTC the day before). Four live answers at 17:00 UTC the
    // day before, two abandoned; four at 13:00 to 13:12 UTC today, one abandoned.
    const HOUR = 3_600_000;
    await db.query(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, connected_at, ended_at, outcome, abandoned)
       SELECT l.id, l.campaign_id, l.customer_id, l.phone, 'e', t.at, t.at + interval '5 s', t.at + interval '1 minute', 'live', t.abandoned
         FROM (SELECT *, row_number() OVER (ORDER BY phone) - 1 AS n FROM leads WHERE campaign_id = $1) l
         JOIN (SELECT i, CASE WHEN i < 4 THEN $2::timestamptz ELSE $3::timestamptz + (i - 4) * interval '4 minutes' END AS at, i IN (0, 1, 4) AS abandoned
                 FROM generate_series(0, 7) i) t ON t.i = l.n`,
      [campaign.id, new Date(T0 - 21 * HOUR), new Date(T0 - HOUR)],
    );
    // An agent ready at 13:00, on a call 13:05, logged out 13:15: two thirds occupied in that quarter hour.
    for (const [minutes, state] of [[0, 'ready'], [5, 'on-call'], [15, 'logged-out']] as const) {
      await db.query(`INSERT INTO agent_states (agent_id, campaign_ids, from_state, to_state, at) VALUES ('ann', $1, 'x', $2, $3)`, [[campaign.id], state, new Date(T0 - HOUR + minutes * 60_000)]);
    }
    const answer = await call('GET', `/supervisor/campaigns/${campaign.id}/day?timeZone=Asia/Kolkata`, 'supervisor');
    expect(answer.statusCode).toBe(200);
    const day = answer.json();
    expect(day).toMatchObject({ campaignId: campaign.id, timeZone: 'Asia/Kolkata', from: '2026-11-22T18:30:00.000Z', to: new Date(T0).toISOString() });
    expect(day.points).toHaveLength(78);
    const at = (iso: string) => day.points.find((p: { at: string }) => p.at === iso);
    expect(at('2026-11-22T18:45:00.000Z')).toEqual({ at: '2026-11-22T18:45:00.000Z', abandonRate: 0.5, abandonRateLastHour: null, occupancy: null });
    expect(at('2026-11-23T13:15:00.000Z')).toEqual({ at: '2026-11-23T13:15:00.000Z', abandonRate: 3 / 8, abandonRateLastHour: 1 / 4, occupancy: 2 / 3 });
    expect(at('2026-11-23T14:00:00.000Z')).toMatchObject({ abandonRate: 3 / 8, abandonRateLastHour: 1 / 4, occupancy: null });
    expect((await call('GET', `/supervisor/campaigns/${campaign.id}/day?timeZone=Mars/Olympus`, 'supervisor')).statusCode).toBe(400);
  });

  it("gets an agent's key nothing on any supervisor route or stream, and a supervisor no key", async () => {
    const campaign = await makeCampaign(db);
    const routes: [method: 'GET' | 'POST', url: string, payload?: object][] = [
      ['GET', '/supervisor/floor'],
      ['GET', `/supervisor/campaigns/${campaign.id}/day?timeZone=UTC`],
      ['GET', '/live'],
      ['GET', '/live/events'],
      ['POST', '/supervisor/agents/alice/pause', { reason: 'break' }],
      ['POST', '/supervisor/agents/alice/logout'],
      ['POST', '/supervisor/agents/alice/supervise', { endpoint: 'PJSIP/sup1', mode: 'listen' }],
      ['POST', '/supervisor/supervisions/3f0e8a4e-7d6c-4b1f-9a51-0c2d4e6f8a10/end'],
      ['POST', `/supervisor/campaigns/${campaign.id}/pacing`, { abandonTarget: 0.01 }],
      ['POST', `/campaigns/${campaign.id}/start`],
      ['POST', `/campaigns/${campaign.id}/pause`],
    ];
    for (const [method, url, payload] of routes) expect((await call(method, url, 'agent', payload)).statusCode, `${method} ${url}`).toBe(403);
    expect((await api.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${keys.agent}` } })).statusCode).toBe(403);
    const key = await call('POST', '/api-keys', 'supervisor', { name: 'mallory', role: 'admin' });
    expect(key.statusCode).toBe(403);
  });
});
