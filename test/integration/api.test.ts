import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { createApiKey, type Role } from '../../src/api/keys.js';
import { apiErrorSchema, apiKeySchema, campaignSchema } from '../../src/api/openapi.js';
import type { CampaignInput } from '../../src/campaigns/campaign.js';
import { createCampaign, updateCampaign } from '../../src/campaigns/campaign-store.js';
import { COMPLIANCE_PROFILES, effectiveRules } from '../../src/campaigns/compliance.js';
import { StoredAgentStates } from '../../src/campaigns/dialing/stored-agent-states.js';
import { AgentId, CampaignId } from '../../src/domain/ids.js';
import type { AgentState } from '../../src/pacing/snapshot.js';
import { addLeads, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import type { Db } from '../../src/storage/db.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { testDatabases } from '../support/databases.js';

const NOW = MONDAY_8AM_NEW_YORK + 3_600_000;

describe.each(await testDatabases())('the HTTP API on $kind', ({ open }) => {
  let db: Db;
  let api: Api;
  let keys: TestApi['keys'];
  let call: TestApi['call'];
  beforeAll(async () => {
    db = await open();
    ({ api, keys, call } = await startTestApi(db, NOW, 3));
  });
  afterAll(async () => {
    await api.close();
    await db.close();
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

  describe('as a new user and a hostile tester met it (issue 14)', () => {
    let names = 0;
    const body = (extra: Partial<CampaignInput> = {}): CampaignInput => ({ name: `first use ${++names}`, type: 'agent', complianceProfile: 'us', callerId: '+12025550100', ...extra });

    it('applies a new profile to every setting the campaign did not set itself, as if created under it', async () => {
      for (const from of COMPLIANCE_PROFILES) {
        for (const to of COMPLIANCE_PROFILES) {
          if (from === to) continue;
          const switched = await updateCampaign(db, (await createCampaign(db, body({ complianceProfile: from }), 't')).id, { complianceProfile: to }, 't');
          const born = await createCampaign(db, body({ complianceProfile: to }), 't');
          expect({ from, to, pacing: switched.pacing }).toEqual({ from, to, pacing: born.pacing });
          expect(effectiveRules(switched.complianceProfile, switched.rules)).toEqual(effectiveRules(born.complianceProfile, born.rules));
        }
      }
      // What the campaign set itself stays through a switch.
      const own = await createCampaign(db, body({ pacing: { abandonTarget: 0.02 } }), 't');
      const uk = await updateCampaign(db, own.id, { complianceProfile: 'uk' }, 't');
      expect(uk.pacing).toMatchObject({ abandonTarget: 0.02, abandonWindowHours: 24, countDetectionFalsePositivesAsAbandoned: true });
      // Through the API too.
      const created = (await call('POST', '/campaigns', 'campaign-manager', body())).json();
      const patched = (await call('PATCH', `/campaigns/${created.id}`, 'campaign-manager', { complianceProfile: 'uk' })).json();
      expect(patched.pacing).toMatchObject({ abandonWindowHours: 24, countDetectionFalsePositivesAsAbandoned: true });
    });

    it('never refuses a valid key from an address that sent wrong ones, and says when to retry', async () => {
      const wrong = () => api.inject({ method: 'GET', url: '/api/v1/campaigns', remoteAddress: '10.7.7.7', headers: { authorization: 'Bearer op_guessme' } });
      for (let i = 0; i < 3; i++) expect((await wrong()).statusCode).toBe(401);
      const refused = await wrong();
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(apiErrorSchema.parse(refused.json()).error).toBe('too-many-failures');
      // The same proxy address, a real key: served.
      expect((await call('GET', '/campaigns', 'qa', undefined, '10.7.7.7')).statusCode).toBe(200);
    });

    it('lists every validation problem, in the one error shape, the framework\'s own refusals included', async () => {
      const bad = await call('POST', '/campaigns', 'campaign-manager', { ...body(), callerId: 'nope', pacing: { abandonTarget: 0.5 }, recording: 'sometimes' });
      expect(bad.statusCode).toBe(400);
      const error = apiErrorSchema.parse(bad.json());
      expect(error.problems!.map((p) => p.field).sort()).toEqual(['body.callerId', 'body.pacing.abandonTarget', 'body.recording']);
      for (const field of ['body.callerId', 'body.pacing.abandonTarget', 'body.recording']) expect(error.message).toContain(`${field}: `);
      const notJson = await api.inject({
        method: 'POST',
        url: '/api/v1/campaigns',
        headers: { authorization: `Bearer ${keys['campaign-manager']}`, 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      expect(notJson.statusCode).toBe(400);
      expect(apiErrorSchema.strict().parse(notJson.json())).toMatchObject({ error: 'invalid-json', field: 'body' });
      // The JSON parser refuses a body naming __proto__ (prototype poisoning): the same refusal, naming the body.
      const poisoned = await api.inject({
        method: 'POST',
        url: '/api/v1/callbacks',
        headers: { authorization: `Bearer ${keys['campaign-manager']}`, 'content-type': 'application/json' },
        payload: '{"__proto__":{}}',
      });
      expect(poisoned.statusCode).toBe(400);
      expect(apiErrorSchema.strict().parse(poisoned.json())).toMatchObject({ error: 'invalid-json', field: 'body' });
      const nowhere = await call('GET', '/nowhere', 'qa');
      expect(nowhere.statusCode).toBe(404);
      expect(apiErrorSchema.strict().parse(nowhere.json())).toMatchObject({ error: 'not-found' });
    });

    it('describes every route in the OpenAPI document: summary, tag, real status codes, answers, the CSV upload', async () => {
      const doc = (await call('GET', '/openapi.json')).json();
      const operations = Object.entries(doc.paths as Record<string, Record<string, { summary?: string; tags?: string[]; responses: Record<string, unknown> }>>).flatMap(
        ([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ route: `${method} ${path}`, ...operation })),
      );
      expect(operations.length).toBeGreaterThan(30);
      expect(operations.filter((o) => !o.summary || !o.tags?.length).map((o) => o.route)).toEqual([]);
      const create = doc.paths['/api/v1/campaigns'].post;
      expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409', '429']));
      expect(create.responses['200']).toBeUndefined();
      expect(create.responses['201'].content['application/json'].schema.properties).toHaveProperty('pacing');
      const upload = doc.paths['/api/v1/campaigns/{id}/lists'].post;
      expect(upload.requestBody.content).toHaveProperty('text/csv');
      expect(Object.keys(upload.responses)).toEqual(expect.arrayContaining(['201', '422']));
      expect(doc.paths['/api/v1/campaigns/{id}'].delete.responses).toHaveProperty('204');
    });

    it('lists and revokes API keys (admin), with their last use; refuses an agent key without an existing agent', async () => {
      const key = await createApiKey(db, { name: 'temp', role: 'qa' });
      expect((await api.inject({ method: 'GET', url: '/api/v1/campaigns', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
      expect((await call('GET', '/api-keys', 'supervisor')).statusCode).toBe(403);
      const listed = (await call('GET', '/api-keys', 'admin')).json().keys.map((k: unknown) => apiKeySchema.parse(k));
      const temp = listed.find((k: { user: string }) => k.user === 'temp')!;
      expect(temp).toMatchObject({ role: 'qa', prefix: key.slice(0, 9), revokedAt: null, lastUsedAt: expect.any(String) });
      expect(JSON.stringify(listed)).not.toContain(key);
      expect((await call('DELETE', `/api-keys/${temp.id}`, 'admin')).statusCode).toBe(204);
      expect((await api.inject({ method: 'GET', url: '/api/v1/campaigns', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
      const noAgent = await call('POST', '/api-keys', 'admin', { name: 'ghost', role: 'agent', agentId: 'ghost' });
      expect(noAgent.statusCode).toBe(409);
      expect(noAgent.json().message).toMatch(/agent ghost does not exist: create the agent first/);
      const unnamed = await call('POST', '/api-keys', 'admin', { name: 'nameless', role: 'agent' });
      expect(unnamed.statusCode).toBe(400);
      expect(unnamed.json()).toMatchObject({ error: 'validation', field: 'agentId' });
    });

    it('archives a campaign with attempts instead of deleting them, and deletes one that never dialed', async () => {
      const campaign = (await call('POST', '/campaigns', 'campaign-manager', body())).json();
      const leads = await addLeads(db, { ...campaign, id: campaign.id }, [{ phone: '+12025550143' }]);
      await db.query(
        `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, ended_at, outcome)
         SELECT id, campaign_id, customer_id, phone, 'e1', now(), now(), 'no-answer' FROM leads WHERE id = $1`,
        [leads.get('+12025550143')],
      );
      const archived = await call('DELETE', `/campaigns/${campaign.id}`, 'campaign-manager');
      expect(archived.statusCode).toBe(200);
      expect(campaignSchema.parse(archived.json())).toMatchObject({ state: 'stopped', archivedAt: expect.any(String) });
      const kept = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM attempts WHERE campaign_id = $1', [campaign.id]);
      expect(kept.rows[0]!.n).toBe(1);
      expect((await call('GET', '/campaigns', 'qa')).json().map((c: { id: string }) => c.id)).not.toContain(campaign.id);
      expect((await call('GET', '/campaigns?archived=true', 'qa')).json().map((c: { id: string }) => c.id)).toContain(campaign.id);
      expect((await call('POST', `/campaigns/${campaign.id}/start`, 'supervisor')).json().message).toMatch(/archived .* cannot be started/);
      const never = (await call('POST', '/campaigns', 'campaign-manager', body())).json();
      expect((await call('DELETE', `/campaigns/${never.id}`, 'campaign-manager')).statusCode).toBe(204);
      expect((await call('GET', `/campaigns/${never.id}`, 'qa')).statusCode).toBe(404);
    });

    it('accepts a calling window override for one day, and checks the abandon message as a sound name', async () => {
      const created = await call('POST', '/campaigns', 'campaign-manager', body({ rules: { callingWindow: { days: { sun: null } } } }));
      expect(created.statusCode).toBe(201);
      const campaign = campaignSchema.parse(created.json());
      const rules = effectiveRules('us', created.json().rules);
      expect(rules.callingWindow.days).toMatchObject({ sun: null, mon: { start: '08:00', end: '21:00' }, sat: { start: '08:00', end: '21:00' } });
      const saturday = await call('PATCH', `/campaigns/${campaign.id}`, 'campaign-manager', { rules: { callingWindow: { days: { sat: { start: '10:00', end: '16:00' } } } } });
      expect(effectiveRules('us', saturday.json().rules).callingWindow.days).toMatchObject({ sun: null, sat: { start: '10:00', end: '16:00' }, fri: { start: '08:00', end: '21:00' } });
      const path = await call('PATCH', `/campaigns/${campaign.id}`, 'campaign-manager', { abandonMessage: '../../etc/passwd' });
      expect(path.statusCode).toBe(400);
      expect(path.json().field).toBe('body.abandonMessage');
      const sound = await call('PATCH', `/campaigns/${campaign.id}`, 'campaign-manager', { abandonMessage: 'custom/abandon-acme' });
      expect(sound.json().abandonMessage).toBe('custom/abandon-acme');
    });

    it('reports times as ISO 8601 and names in camelCase', async () => {
      const live = (await call('GET', '/live', 'supervisor')).json();
      expect(live.at).toBe(new Date(NOW).toISOString());
      const campaign = (await call('POST', '/campaigns', 'campaign-manager', body())).json();
      const stats = (await call('GET', `/campaigns/${campaign.id}/stats`, 'qa')).json();
      const keysOf = (value: unknown): string[] =>
        value && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]) : [];
      expect(keysOf(stats).filter((k) => !/^[a-z][a-zA-Z]*$/.test(k))).toEqual([]);
      expect(stats.regulatoryWindow.from).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('refuses a target above the law unless overridden, and says what the settings make of compliance before dialing', async () => {
      const above = await call('POST', '/campaigns', 'campaign-manager', body({ pacing: { abandonTarget: 0.04 } }));
      expect(above.statusCode).toBe(400);
      expect(above.json()).toMatchObject({ field: 'pacing.abandonTarget', message: expect.stringMatching(/above the us profile's legal cap of 3.0%.*complianceOverrides/) });
      const wide = await call('POST', '/campaigns', 'campaign-manager', body({ rules: { callingWindow: { days: { mon: { start: '07:00', end: '21:00' } } } } }));
      expect(wide.json()).toMatchObject({ field: 'rules.callingWindow', message: expect.stringMatching(/beyond the us profile's legal hours on mon/) });
      const overridden = await call('POST', '/campaigns', 'campaign-manager', body({ pacing: { abandonTarget: 0.04 }, complianceOverrides: ['abandon-target'] }));
      expect(overridden.statusCode).toBe(201);
      expect(campaignSchema.parse(overridden.json()).feasibility).toMatchObject([{ rule: 'abandon-target', severity: 'overridden' }]);
      const uk = (
        await call('POST', '/campaigns', 'campaign-manager', {
          ...body({ complianceProfile: 'uk' }),
          pacing: { machineDetection: true, connectDeadlineFrom: 'answer', detectionFalsePositiveRate: 0.2 },
        })
      ).json();
      expect((await call('GET', `/campaigns/${uk.id}`, 'qa')).json().feasibility.map((f: { rule: string; severity: string }) => `${f.rule} ${f.severity}`)).toEqual([
        'detection-false-positives infeasible',
        'connect-deadline infeasible',
      ]);
      const why = (await call('GET', `/campaigns/${uk.id}/why`, 'supervisor')).json();
      expect(why.feasibility).toHaveLength(2);
      expect(why).toHaveProperty('heldBack');
    });
  });
});
