import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { createApiKey, type Role } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { StoredAgentStates } from '../../src/campaigns/dialing/stored-agent-states.js';
import { AgentId, CampaignId } from '../../src/domain/ids.js';
import type { AgentState } from '../../src/pacing/snapshot.js';
import { MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';

const NOW = MONDAY_8AM_NEW_YORK + 3_600_000;

describe.each(await testDatabases())('the HTTP API on $kind', ({ open }) => {
  let db: Db;
  let api: Api;
  const keys = {} as Record<Role, string>;
  beforeAll(async () => {
    db = await open();
    const clock = { now: () => NOW };
    api = await buildApi({ db, coordination: memoryCoordination(clock), clock }, { failedAuthLimit: 3 });
    await upsertAgent(db, { id: AgentId('desk'), name: 'Desk agent', redList: false });
    for (const role of ['admin', 'campaign-manager', 'supervisor', 'qa', 'agent'] as const) {
      keys[role] = await createApiKey(db, { name: `${role} user`, role, agentId: role === 'agent' ? AgentId('desk') : null });
    }
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, role?: Role, payload?: unknown, ip = '10.0.0.1') =>
    api.inject({
      method,
      url: `/api/v1${url}`,
      remoteAddress: ip,
      headers: role ? { authorization: `Bearer ${keys[role]}` } : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const campaignBody = (name: string) => ({ name, type: 'agent', complianceProfile: 'uk', callerId: '+442071234567' });

  it('answers health and serves the OpenAPI document without a key', async () => {
    expect((await call('GET', '/health')).json()).toMatchObject({ status: 'ok' });
    const openapi = (await call('GET', '/openapi.json')).json();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toContain('/api/v1/campaigns');
  });

  it('refuses a request without a key (401) and a role without the right (403)', async () => {
    expect((await call('GET', '/campaigns')).statusCode).toBe(401);
    const forbidden = await call('POST', '/campaigns', 'agent', campaignBody('nope'));
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().message).toMatch(/role agent may not/);
    expect((await call('GET', '/campaigns', 'qa')).statusCode).toBe(200);
  });

  it('rate-limits failed authentication per client', async () => {
    const wrong = () => api.inject({ method: 'GET', url: '/api/v1/campaigns', remoteAddress: '10.9.9.9', headers: { authorization: 'Bearer op_wrong' } });
    for (let i = 0; i < 3; i++) expect((await wrong()).statusCode).toBe(401);
    expect((await wrong()).statusCode).toBe(429);
    // Another client is not affected.
    expect((await call('GET', '/campaigns', 'admin', undefined, '10.0.0.2')).statusCode).toBe(200);
  });

  it('names the field at fault in a validation error', async () => {
    const bad = await call('POST', '/campaigns', 'campaign-manager', { ...campaignBody('x'), pacing: { abandonTarget: 0.5 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'validation', field: 'body.pacing.abandonTarget' });
    const badQuery = await call('GET', '/leads?limit=0', 'qa');
    expect(badQuery.json()).toMatchObject({ error: 'validation', field: 'querystring.limit' });
  });

  it('creates a campaign with its profile defaults, runs it, and refuses to delete it while running', async () => {
    const created = await call('POST', '/campaigns', 'campaign-manager', campaignBody('Retention Q4'));
    expect(created.statusCode).toBe(201);
    const campaign = created.json();
    expect(campaign.pacing).toMatchObject({ abandonWindowHours: 24, countDetectionFalsePositivesAsAbandoned: true });
    expect((await call('POST', `/campaigns/${campaign.id}/start`, 'supervisor')).json().state).toBe('running');
    const changed = await call('PATCH', `/campaigns/${campaign.id}`, 'campaign-manager', { pacing: { abandonTarget: 0.02 } });
    expect(changed.json().pacing.abandonTarget).toBe(0.02);
    const refused = await call('DELETE', `/campaigns/${campaign.id}`, 'admin');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/running: stop it/);
    await call('POST', `/campaigns/${campaign.id}/stop`, 'supervisor');
    expect((await call('DELETE', `/campaigns/${campaign.id}`, 'admin')).statusCode).toBe(204);
    expect((await call('GET', `/campaigns/${campaign.id}`, 'qa')).statusCode).toBe(404);
  });

  it('imports an uploaded list, reports its rejected rows, and explains the hopper', async () => {
    const campaign = (await call('POST', '/campaigns', 'campaign-manager', campaignBody('Upload'))).json();
    const upload = await api.inject({
      method: 'POST',
      url: `/api/v1/campaigns/${campaign.id}/lists?list=october&phone=tel&defaultCountry=GB`,
      headers: { authorization: `Bearer ${keys['campaign-manager']}`, 'content-type': 'text/csv' },
      payload: 'tel,name\n020 7123 4567,Ann\nnot a number,Bob\n',
    });
    expect(upload.statusCode).toBe(201);
    const asJson = await call('POST', `/campaigns/${campaign.id}/lists?list=json&phone=tel`, 'campaign-manager', { tel: '+442071234567' });
    expect(asJson.statusCode).toBe(415);
    const status = upload.json();
    expect(status).toMatchObject({ rowsImported: 1, rowsRejected: 1 });
    const errors = (await call('GET', `/imports/${status.importId}/errors`, 'campaign-manager')).json();
    expect(errors.rejections).toEqual([{ row: 3, reason: expect.stringMatching(/not a valid phone number/) }]);
    const why = (await call('GET', `/campaigns/${campaign.id}/why`, 'supervisor')).json();
    expect(why).toMatchObject({ open: 1 });
    const leads = (await call('GET', `/leads?campaignId=${campaign.id}`, 'qa')).json().leads;
    const lead = (await call('GET', `/leads/${leads[0].id}`, 'qa')).json();
    expect(lead).toMatchObject({ lead: { phone: '+442071234567' }, attempts: [], customerHistory: [] });
  });

  it('adds, checks and removes do-not-call entries, and schedules and cancels callbacks', async () => {
    expect((await call('POST', '/number-lists', 'supervisor', { phone: '+12025550100', category: 'complaint' })).statusCode).toBe(201);
    expect((await call('GET', '/number-lists/check?phone=%2B12025550100', 'agent')).json().doNotCall).toBe(true);
    expect((await call('DELETE', '/number-lists?phone=%2B12025550100', 'supervisor')).statusCode).toBe(204);
    expect((await call('GET', '/number-lists/check?phone=%2B12025550100', 'agent')).json().doNotCall).toBe(false);
    const upload = (role: Role, csv: string) =>
      api.inject({
        method: 'POST',
        url: '/api/v1/number-lists/files?defaultCountry=US&source=carrier',
        headers: { authorization: `Bearer ${keys[role]}`, 'content-type': 'text/csv' },
        payload: csv,
      });
    const file = await upload('supervisor', 'phone\n(202) 555-0100\nnonsense\n');
    expect(file.statusCode).toBe(201);
    expect(file.json()).toMatchObject({ rowsRead: 2, entriesWritten: 1, rowsRejected: 1, rejections: [{ line: 3 }] });
    expect((await call('GET', '/number-lists/check?phone=%2B12025550100', 'agent')).json().doNotCall).toBe(true);
    expect((await upload('supervisor', 'tel\n+12025550100\n')).json()).toMatchObject({ error: 'unreadable-file', message: /"phone" is not in/ });
    expect((await upload('agent', 'phone\n+12025550100\n')).statusCode).toBe(403);
    const leads = (await call('GET', '/leads?limit=1', 'qa')).json().leads;
    const created = await call('POST', '/callbacks', 'agent', { leadId: leads[0].id, dueAt: '2026-11-24T10:00:00Z' });
    expect(created.statusCode).toBe(201);
    expect((await call('DELETE', `/callbacks/${created.json().id}`, 'agent')).statusCode).toBe(204);
    expect((await call('GET', '/callbacks?state=cancelled', 'agent')).json().callbacks).toHaveLength(1);
    const unknownAgent = await call('POST', '/callbacks', 'agent', { leadId: leads[0].id, dueAt: '2026-11-24T10:00:00Z', agentId: 'nobody' });
    expect(unknownAgent.statusCode).toBe(409);
    expect(unknownAgent.json().message).toMatch(/does not exist/);
    expect((await call('PUT', '/agents/nobody', 'supervisor', { name: 'No Body' })).statusCode).toBe(200);
    const named = await call('POST', '/callbacks', 'agent', { leadId: leads[0].id, dueAt: '2026-11-24T10:00:00Z', agentId: 'nobody' });
    expect(named.json()).toMatchObject({ agentId: 'nobody', state: 'scheduled' });
    expect((await call('POST', '/leads/assign', 'supervisor', { leadIds: [leads[0].id], agentId: 'ghost' })).statusCode).toBe(404);
    expect((await call('POST', '/leads/assign', 'supervisor', { leadIds: [leads[0].id], agentId: 'nobody' })).json()).toEqual({ assigned: 1 });
  });

  it('assigns agents to campaigns and reports their time and occupancy with the campaign\'s statistics', async () => {
    const campaign = (await call('POST', '/campaigns', 'campaign-manager', campaignBody('blended'))).json();
    expect((await call('PUT', '/agents/carol', 'supervisor', { name: 'Carol' })).statusCode).toBe(200);
    expect((await call('PUT', '/agents/carol/campaigns', 'agent', { campaignIds: [campaign.id] })).statusCode).toBe(403);
    const unknown = await call('PUT', '/agents/carol/campaigns', 'supervisor', { campaignIds: ['00000000-0000-4000-8000-000000000000'] });
    expect(unknown.statusCode).toBe(404);
    expect((await call('PUT', '/agents/carol/campaigns', 'supervisor', { campaignIds: [campaign.id] })).json()).toEqual({ campaignIds: [campaign.id] });
    expect((await call('GET', '/agents/carol/campaigns', 'supervisor')).json()).toEqual({ campaignIds: [campaign.id] });
    const history = new StoredAgentStates({ db });
    const change = (from: AgentState, to: AgentState, secondsAgo: number) =>
      history.changed({ agentId: AgentId('carol'), campaigns: [CampaignId(campaign.id)], from, to, at: NOW - secondsAgo * 1000 });
    change('logged-out', 'ready', 100);
    change('ready', 'reserved', 80);
    change('reserved', 'on-call', 78);
    change('on-call', 'wrap-up', 28);
    change('wrap-up', 'ready', 18);
    await history.settled();
    const stats = (await call('GET', `/campaigns/${campaign.id}/stats`, 'qa')).json();
    expect(stats.agents).toMatchObject({ agents: 1, secondsByState: { ready: 38, reserved: 2, onCall: 50, wrapUp: 10, paused: 0 }, occupancy: 0.6 });
  });

  it('lets only an admin create API keys, and the new key works', async () => {
    expect((await call('POST', '/api-keys', 'supervisor', { name: 'eve', role: 'qa' })).statusCode).toBe(403);
    const created = await call('POST', '/api-keys', 'admin', { name: 'eve', role: 'qa' });
    expect(created.statusCode).toBe(201);
    const response = await api.inject({ method: 'GET', url: '/api/v1/campaigns', headers: { authorization: `Bearer ${created.json().key}` } });
    expect(response.statusCode).toBe(200);
  });
});
