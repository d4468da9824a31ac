/**
 * Scripts, answers, corrections and the agent's ticket, through the API and
 * the agent socket as a browser reaches them, on both databases.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeskHub } from '../../src/agents/desk-hub.js';
import { AGENT_SOCKET_PATH, AgentSockets } from '../../src/api/agent-sockets.js';
import { TICKET_LIFETIME } from '../../src/api/agent-tickets.js';
import type { Api } from '../../src/api/context.js';
import { createApiKey, type Role } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { finishAttempt, setDisposition, startAttempt } from '../../src/campaigns/attempts.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { claimLeads } from '../../src/campaigns/hopper/claim.js';
import { createList, insertLeads } from '../../src/campaigns/leads.js';
import { checkNumber } from '../../src/campaigns/number-lists.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId, E164, type AttemptId, type LeadId } from '../../src/domain/ids.js';
import { HOUR, SECOND } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import type { TelephonyEvent, TelephonyListener } from '../../src/telephony/port.js';
import { AgentClient } from '../support/agent-client.js';
import { testDatabases } from '../support/databases.js';
import { emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { SURVEY } from '../support/sample-script.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ALICE = AgentId('alice');
const BOB = AgentId('bob');

describe.each(await testDatabases())('scripts, answers and corrections on $kind', ({ open }) => {
  let db: Db;
  let api: Api;
  let sockets: AgentSockets;
  let socketUrl: string;
  let now = T0;
  const keys = {} as Record<Role | 'bob', string>;
  const calls = new Set<TelephonyListener>();
  const putThrough = (attemptId: AttemptId, agentId = ALICE) =>
    calls.forEach((l) => l({ type: 'call.connected', attemptId, agentId, at: now } satisfies TelephonyEvent));

  beforeAll(async () => {
    db = await open();
    const clock = { now: () => now };
    api = await buildApi({ db, coordination: memoryCoordination(clock), clock });
    sockets = new AgentSockets({ db, desk: new DeskHub(), clock, subscribeCalls: (l) => (calls.add(l), () => calls.delete(l)) });
    sockets.attach(api.server);
    await api.listen({ port: 0, host: '127.0.0.1' });
    socketUrl = `ws://127.0.0.1:${(api.server.address() as AddressInfo).port}${AGENT_SOCKET_PATH}`;
  });
  afterAll(async () => {
    sockets.close();
    await api.close();
    await db.close();
  });
  beforeEach(async () => {
    now = T0;
    await emptyTables(db);
    await upsertAgent(db, { id: ALICE, name: 'Alice', redList: false });
    await upsertAgent(db, { id: BOB, name: 'Bob', redList: false });
    for (const role of ['admin', 'campaign-manager', 'supervisor', 'qa'] as const) keys[role] = await createApiKey(db, { name: role, role });
    keys.agent = await createApiKey(db, { name: 'alice', role: 'agent', agentId: ALICE });
    keys.bob = await createApiKey(db, { name: 'bob', role: 'agent', agentId: BOB });
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, role: Role | 'bob', payload?: unknown) =>
    api.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${keys[role]}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

  /** A campaign with the survey and one lead on a call just put through to Alice, her socket opened with a ticket. */
  async function onCall(): Promise<{ campaign: Campaign; leadId: LeadId; attemptId: AttemptId; agent: AgentClient }> {
    const campaign = await makeCampaign(db, { name: 'Broadband' });
    expect((await call('PUT', `/campaigns/${campaign.id}/script`, 'campaign-manager', SURVEY)).statusCode).toBe(200);
    const listId = await createList(db, campaign.id, 'customers');
    await insertLeads(db, listId, [{ phone: E164('+12025550001'), timeZone: 'America/New_York', customFields: { first_name: 'Ada', plan: 'Fibre 500' } }]);
    const [lead] = await claimLeads(db, { campaign, engineId: 'e', count: 1, leaseMs: 30 * SECOND, now });
    const attemptId = await startAttempt(db, { leadId: lead!.leadId, engineId: 'e', now });
    const agent = await AgentClient.open(`${socketUrl}?ticket=${(await call('POST', '/agent/ticket', 'agent')).json().ticket}`);
    await agent.next('hello');
    putThrough(attemptId);
    return { campaign, leadId: lead!.leadId, attemptId, agent };
  }

  async function endWithDisposition(attemptId: AttemptId, code: string) {
    await finishAttempt(db, attemptId, { endedAt: now, outcome: 'live', agentId: ALICE, connectedAt: now });
    await setDisposition(db, attemptId, { code }, 'agent:alice', now);
  }

  it('keeps each save as a new version, refuses a broken script with the field at fault, and lets managers only write', async () => {
    const campaign = await makeCampaign(db);
    expect((await call('GET', `/campaigns/${campaign.id}/script`, 'qa')).statusCode).toBe(404);
    expect((await call('PUT', `/campaigns/${campaign.id}/script`, 'supervisor', SURVEY)).statusCode).toBe(403);
    const first = (await call('PUT', `/campaigns/${campaign.id}/script`, 'campaign-manager', SURVEY)).json();
    expect(first).toMatchObject({ version: 1, name: 'Broadband survey', start: 'greeting', createdBy: 'campaign-manager' });
    const second = (await call('PUT', `/campaigns/${campaign.id}/script`, 'admin', { ...SURVEY, name: 'Survey v2' })).json();
    expect(second).toMatchObject({ id: first.id, version: 2, name: 'Survey v2' });
    expect((await call('GET', `/campaigns/${campaign.id}/script`, 'qa')).json()).toMatchObject({ version: 2 });
    expect((await call('GET', `/campaigns/${campaign.id}/script?version=1`, 'qa')).json()).toMatchObject({ version: 1, name: 'Broadband survey' });

    const looping = { ...SURVEY, questions: SURVEY.questions.map((q) => (q.id === 'complaint' ? { ...q, next: 'speed' } : q)) };
    const refused = await call('PUT', `/campaigns/${campaign.id}/script`, 'campaign-manager', looping);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'validation', message: expect.stringMatching(/loops/) });

    const openapi = (await api.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/v1/campaigns/{id}/script', '/api/v1/attempts/{id}/disposition', '/api/v1/agent/ticket']),
    );
    const dispositions = (await call('GET', `/campaigns/${campaign.id}/dispositions`, 'agent')).json().dispositions;
    expect(dispositions).toContainEqual(expect.objectContaining({ code: 'do-not-call', effect: 'do-not-call' }));
  });

  it('opens the socket with a one-time ticket, never twice and never late', async () => {
    expect((await call('POST', '/agent/ticket', 'supervisor')).statusCode).toBe(403);
    const { ticket, expiresAt } = (await call('POST', '/agent/ticket', 'agent')).json();
    expect(Date.parse(expiresAt)).toBe(T0 + TICKET_LIFETIME);
    const agent = await AgentClient.open(`${socketUrl}?ticket=${ticket}`);
    expect(await agent.next('hello')).toMatchObject({ type: 'hello', agentId: 'alice' });
    agent.close();
    await expect(AgentClient.open(`${socketUrl}?ticket=${ticket}`)).rejects.toThrow(/401/);
    await expect(AgentClient.open(`${socketUrl}?ticket=made-up`)).rejects.toThrow(/401/);
    const late = (await call('POST', '/agent/ticket', 'agent')).json().ticket;
    now += TICKET_LIFETIME;
    await expect(AgentClient.open(`${socketUrl}?ticket=${late}`)).rejects.toThrow(/401/);
  });

  it('pops the script with the lead, stores answers on the version shown, and refuses answers off the path', async () => {
    const { campaign, leadId, attemptId, agent } = await onCall();
    const pop = await agent.next('screen-pop');
    expect(pop).toMatchObject({ attemptId, lead: { fields: { first_name: 'Ada' } }, script: { version: 1, name: 'Broadband survey', start: 'greeting' } });
    expect((pop.script as { questions: { text: string }[] }).questions[0]!.text).toBe('Hello Ada, this is outpace calling about Fibre 500.');

    // The manager edits the script during the call: this call keeps version 1.
    await call('PUT', `/campaigns/${campaign.id}/script`, 'campaign-manager', { ...SURVEY, name: 'Survey v2' });
    agent.send({ type: 'script.answers', attemptId, answers: { customer: true, speed: 'slow' } });
    expect(await agent.next('ack', 'error')).toEqual({ type: 'ack', of: 'script.answers' });
    agent.send({ type: 'script.answers', attemptId, answers: { business: ['work'] } });
    expect(await agent.next('ack', 'error')).toMatchObject({ type: 'error', message: expect.stringMatching(/"business" is not on the path/) });
    agent.send({ type: 'script.answers', attemptId, answers: { devices: 'many' } });
    expect(await agent.next('ack', 'error')).toMatchObject({ type: 'error', message: expect.stringMatching(/"devices" takes a number/) });
    agent.send({ type: 'script.answers', attemptId, answers: { complaint: 'drops at night', devices: 3 } });
    expect(await agent.next('ack', 'error')).toMatchObject({ type: 'ack' });
    // A changed answer moves the branch: the complaint belonged to the old one.
    agent.send({ type: 'script.answers', attemptId, answers: { speed: 'fast' } });
    expect(await agent.next('ack', 'error')).toMatchObject({ type: 'ack' });

    const { attempt } = (await call('GET', `/attempts/${attemptId}`, 'qa')).json();
    expect(attempt).toMatchObject({ script: { version: 1 }, answers: { customer: true, speed: 'fast', devices: 3 } });
    expect(attempt.answers).not.toHaveProperty('complaint');
    const stored = await db.query<{ script_version: number; answered_by: string }>('SELECT DISTINCT script_version, answered_by FROM attempt_answers');
    expect(stored.rows).toEqual([{ script_version: 1, answered_by: 'agent:alice' }]);
    const lead = (await call('GET', `/leads/${leadId}`, 'qa')).json();
    expect(lead.attempts[0].answers).toEqual({ customer: true, speed: 'fast', devices: 3 });
    agent.close();
  });

  it("lets only the call's agent correct the lead, normalises the phone and audits before and after", async () => {
    const { leadId, attemptId, agent } = await onCall();
    await agent.next('screen-pop');
    const bob = await AgentClient.open(socketUrl, keys.bob);
    bob.send({ type: 'lead.correct', attemptId, fields: { first_name: 'Eve' } });
    expect(await bob.next('ack', 'error')).toMatchObject({ type: 'error', message: expect.stringMatching(/not your call/) });
    bob.close();

    agent.send({ type: 'lead.correct', attemptId, fields: { first_name: 'Ada Lovelace' }, phone: '(202) 555-0199' });
    expect(await agent.next('ack', 'error')).toEqual({ type: 'ack', of: 'lead.correct' });
    agent.send({ type: 'lead.correct', attemptId, phone: 'not a number' });
    expect(await agent.next('ack', 'error')).toMatchObject({ type: 'error', message: expect.stringMatching(/not a valid phone number/) });

    const { lead } = (await call('GET', `/leads/${leadId}`, 'qa')).json();
    expect(lead).toMatchObject({ phone: '+12025550199', customFields: { first_name: 'Ada Lovelace', plan: 'Fibre 500' } });
    const audited = await db.query<{ actor: string; details: unknown }>(`SELECT actor, details FROM audit_log WHERE action = 'correct' AND entity = 'lead'`);
    expect(audited.rows).toEqual([
      {
        actor: 'agent:alice',
        details: {
          attemptId,
          // The new number is in the same area: its zones did not change, so the audit does not name them.
          before: { first_name: 'Ada', phone: '+12025550001' },
          after: { first_name: 'Ada Lovelace', phone: '+12025550199' },
        },
      },
    ]);

    // Once dispositioned, the call is closed to the agent.
    await endWithDisposition(attemptId, 'valid-sale');
    agent.send({ type: 'lead.correct', attemptId, fields: { first_name: 'Ada' } });
    expect(await agent.next('ack', 'error')).toMatchObject({ type: 'error', message: expect.stringMatching(/dispositioned \(valid-sale\) and closed/) });
    agent.send({ type: 'script.answers', attemptId, answers: { customer: false } });
    expect(await agent.next('ack', 'error')).toMatchObject({ type: 'error', message: expect.stringMatching(/closed/) });
    agent.close();
  });

  it('lets a supervisor correct a disposition afterwards: audited, and do-not-call honoured at once', async () => {
    const { leadId, attemptId, agent } = await onCall();
    agent.close();
    const early = await call('PUT', `/attempts/${attemptId}/disposition`, 'supervisor', { code: 'do-not-call' });
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/still on the call/);
    await endWithDisposition(attemptId, 'valid-sale');
    expect((await call('PUT', `/attempts/${attemptId}/disposition`, 'campaign-manager', { code: 'do-not-call' })).statusCode).toBe(403);

    const corrected = await call('PUT', `/attempts/${attemptId}/disposition`, 'supervisor', { code: 'do-not-call', note: 'asked on the call, agent missed it' });
    expect(corrected.json()).toMatchObject({ before: 'valid-sale', after: 'do-not-call', leadFollowed: true });
    expect((await checkNumber(db, '+12025550001')).map((e) => e.color)).toEqual(['black']);
    expect((await call('GET', `/leads/${leadId}`, 'qa')).json().lead.state).toBe('do-not-call');
    const audited = await db.query<{ actor: string; details: unknown }>(`SELECT actor, details FROM audit_log WHERE action = 'correct-disposition'`);
    expect(audited.rows).toEqual([
      { actor: 'supervisor', details: { before: 'valid-sale', after: 'do-not-call', note: 'asked on the call, agent missed it', leadFollowed: true } },
    ]);

    const callback = await call('PUT', `/attempts/${attemptId}/disposition`, 'admin', { code: 'appointment', callback: { at: new Date(T0 + 24 * HOUR).toISOString() } });
    expect(callback.statusCode).toBe(409);
    expect(callback.json().message).toMatch(/do-not-call list/);
  });

  it('moves the lead only when the corrected attempt is its latest', async () => {
    const { leadId, attemptId, agent } = await onCall();
    agent.close();
    await endWithDisposition(attemptId, 'refused');
    const corrected = (await call('PUT', `/attempts/${attemptId}/disposition`, 'supervisor', { code: 'appointment', callback: { at: new Date(T0 + HOUR).toISOString(), agentId: 'alice' } })).json();
    expect(corrected).toMatchObject({ before: 'refused', after: 'appointment', leadFollowed: true });
    const callbacks = (await call('GET', `/callbacks?state=scheduled`, 'supervisor')).json().callbacks;
    expect(callbacks).toEqual([expect.objectContaining({ leadId, agentId: 'alice' })]);
    // Corrected again: the callback the appointment made is cancelled with it.
    await call('PUT', `/attempts/${attemptId}/disposition`, 'supervisor', { code: 'valid-sale' });
    expect((await call('GET', `/callbacks?state=scheduled`, 'supervisor')).json().callbacks).toEqual([]);
    expect((await call('GET', `/leads/${leadId}`, 'qa')).json().lead.state).toBe('done');

    // A later call to the lead decides where it goes; correcting the earlier one changes its record only.
    await db.query(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, ended_at, outcome)
       SELECT id, campaign_id, customer_id, phone, 'e', $2, $2, 'busy' FROM leads WHERE id = $1`,
      [leadId, new Date(now + HOUR)],
    );
    const stateBefore = (await call('GET', `/leads/${leadId}`, 'qa')).json().lead.state;
    const old = (await call('PUT', `/attempts/${attemptId}/disposition`, 'supervisor', { code: 'not-target' })).json();
    expect(old).toMatchObject({ before: 'valid-sale', after: 'not-target', leadFollowed: false });
    expect((await call('GET', `/leads/${leadId}`, 'qa')).json().lead.state).toBe(stateBefore);
  });
});
