import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentBoard } from '../../src/agents/agent-board.js';
import { DeskHub } from '../../src/agents/desk-hub.js';
import { createApiKey } from '../../src/api/keys.js';
import { assignCampaigns, upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { addNumberListEntries } from '../../src/campaigns/number-lists.js';
import { randomUUID } from 'node:crypto';
import { AgentId, AttemptId, CampaignId } from '../../src/domain/ids.js';
import { WRAP_UP_TIMEOUT_DISPOSITION } from '../../src/engine/campaign-engine.js';
import { DAY, HOUR } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import { AgentClient, serveAgentSockets } from '../support/agent-client.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { runnerOnPort } from '../support/runner-on-port.js';
import { ScriptedPort } from '../support/scripted-port.js';
import { campaignClock } from './telephony-lab.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ALICE = AgentId('alice');

describe.each(await testDatabases())('an agent working a preview campaign through the socket on $kind', ({ open }) => {
  let db: Db;
  let served: Awaited<ReturnType<typeof serveAgentSockets>>;
  let url: string;
  const port = new ScriptedPort();
  const desk = new DeskHub();
  const board = new AgentBoard();
  const clock = campaignClock(T0);
  beforeAll(async () => {
    db = await open();
    await emptyTables(db);
    served = await serveAgentSockets({ db, desk, board, engineId: 'engine', clock, subscribeCalls: (l) => port.subscribe(l) });
    url = served.url;
  });
  afterAll(async () => {
    await served.close();
    await db.close();
  });

  it('logs in to assigned campaigns, previews, skips, dials, wraps up against the deadline, schedules a callback and dials by hand', async () => {
    await upsertAgent(db, { id: ALICE, name: 'Alice', redList: false });
    const campaign = await makeCampaign(db, { name: 'Renewals', pacing: { mode: 'preview', wrapUpTimeoutSec: 90 } });
    const elsewhere = await makeCampaign(db);
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const ids = await addLeads(db, campaign, [
      { phone: '+12025550141', priority: 2 },
      { phone: '+12025550142', priority: 1 },
      { phone: '+12025550143' },
    ]);
    await assignCampaigns(db, ALICE, [campaign.id]);
    const runner = runnerOnPort({ db, campaignId: campaign.id, port, desk, board, scheduler: clock });
    await runner.start();
    const key = await createApiKey(db, { name: 'alice', role: 'agent', agentId: ALICE });
    let agent = await AgentClient.open(url, key);
    await agent.next('hello');

    agent.send({ type: 'login', endpoint: 'PJSIP/alice', campaigns: [elsewhere.id] });
    expect(await agent.next('error')).toMatchObject({ message: expect.stringMatching(/not assigned to campaign/) });
    agent.send({ type: 'login', endpoint: 'PJSIP/alice' });
    await expect.poll(() => port.asked).toContain('login alice');
    port.listeners.emit({ type: 'agent.leg-up', agentId: ALICE, at: clock.now() });
    expect(await agent.next('state')).toMatchObject({ state: 'ready', campaigns: [campaign.id], at: expect.any(String) });

    const first = await agent.next('preview');
    expect(first).toMatchObject({
      type: 'preview',
      campaign: { id: campaign.id, name: 'Renewals' },
      lead: { id: ids.get('+12025550141'), phone: '+12025550141', fields: {} },
    });
    // Claimed for as long as the agent may look at it (the campaign's preview timeout, 120 s by default), not the hopper's 20 s.
    const claimedUntil = async () =>
      (await db.query<{ t: Date }>('SELECT claimed_until AS t FROM leads WHERE id = $1', [ids.get('+12025550141')])).rows[0]!.t.getTime();
    await expect.poll(claimedUntil).toBeGreaterThan(clock.now() + 100_000);
    // A reloaded page is shown where the agent stands: the lead still offered.
    agent = await AgentClient.open(url, key);
    expect(await agent.next()).toMatchObject({ type: 'hello', agentId: 'alice' });
    expect(await agent.next()).toMatchObject({ type: 'state', state: 'reserved', reason: 'preview', campaigns: [campaign.id] });
    expect(await agent.next()).toEqual(first);
    // Hand dials answer to the campaign's rules, named in the refusal.
    agent.send({ type: 'manual.dial', phone: '12345', campaignId: campaign.id });
    expect(await agent.next('error')).toMatchObject({ rule: 'number' });
    await addNumberListEntries(db, [{ phone: '+442079460020', color: 'black', category: 'opt-out', source: 'api' }], 'test');
    agent.send({ type: 'manual.dial', phone: '+44 20 7946 0020', campaignId: campaign.id });
    expect(await agent.next('error')).toMatchObject({ rule: 'do-not-call' });

    agent.send({ type: 'preview.skip', leadId: ids.get('+12025550141') });
    const second = await agent.next('preview');
    expect(second).toMatchObject({ lead: { phone: '+12025550142' } });
    agent.send({ type: 'preview.dial', leadId: ids.get('+12025550141') });
    expect(await agent.next('error')).toMatchObject({ message: expect.stringMatching(/not offered to you/) });
    agent.send({ type: 'preview.dial', leadId: ids.get('+12025550142') });
    expect(await agent.next('ack')).toEqual({ type: 'ack', of: 'preview.dial' });
    await expect.poll(() => port.originated.map((o) => o.leadId)).toEqual([ids.get('+12025550142')]);
    const attemptId = AttemptId(port.originated[0]!.attemptId);

    port.listeners.emit({ type: 'call.answered', attemptId, at: clock.now(), answeredAt: clock.now(), party: 'human' });
    expect(port.asked).toContain(`connect ${attemptId} alice`);
    port.listeners.emit({ type: 'call.connected', attemptId, agentId: ALICE, at: clock.now() });
    expect(await agent.next('screen-pop')).toMatchObject({ attemptId, lead: { phone: '+12025550142' } });
    const endedAt = clock.now();
    port.listeners.emit({ type: 'call.ended', attemptId, at: endedAt, endedBy: 'customer', cause: { code: 16, text: 'Normal Clearing' } });
    expect(await agent.next('state')).toMatchObject({ state: 'wrap-up', campaigns: [campaign.id] });
    const wrapUp = await agent.next('wrap-up');
    expect(wrapUp).toEqual({ type: 'wrap-up', attemptId, deadline: new Date(endedAt + 90_000).toISOString() });

    agent.send({ type: 'disposition', attemptId, code: 'appointment' });
    expect(await agent.next('error')).toMatchObject({ message: expect.stringMatching(/schedules a callback: give callback/) });
    const callbackAt = new Date(T0 + DAY).toISOString();
    agent.send({ type: 'disposition', attemptId, code: 'appointment', callback: { at: callbackAt, for: 'me' } });
    await expect
      .poll(async () => (await db.query('SELECT agent_id, due_at FROM callbacks WHERE lead_id = $1', [ids.get('+12025550142')])).rows)
      .toEqual([{ agent_id: 'alice', due_at: new Date(callbackAt) }]);

    // Back to ready and offered the next lead (held for the agent: not to be dialed by hand), then a new number by hand instead.
    await agent.next('preview');
    agent.send({ type: 'manual.dial', phone: '202-555-0143', campaignId: campaign.id });
    expect(await agent.next('error')).toMatchObject({ rule: 'in-flight' });
    agent.send({ type: 'manual.dial', phone: '+44 20 7946 0021', campaignId: campaign.id });
    expect(await agent.next('ack')).toEqual({ type: 'ack', of: 'manual.dial' });
    await expect.poll(() => port.originated.map((o) => o.number)).toEqual(['+12025550142', '+442079460021']);
    await expect.poll(async () => (await db.query('SELECT count(*)::int AS n FROM attempts')).rows[0]).toEqual({ n: 2 });
    agent.ws.close();
    port.listeners.emit({ type: 'call.failed', attemptId: port.originated[1]!.attemptId, at: clock.now(), outcome: 'no-answer', cause: { code: 19, text: 'No answer' } });
    await runner.drain();
  });

  it('tells an agent whose wrap-up timed out that their disposition comes too late', async () => {
    const bob = AgentId('bob');
    await upsertAgent(db, { id: bob, name: 'Bob', redList: false });
    const agent = await AgentClient.open(url, await createApiKey(db, { name: 'bob', role: 'agent', agentId: bob }));
    await agent.next('hello');
    const campaignId = CampaignId(randomUUID());
    const attemptId = AttemptId(randomUUID());
    const at = clock.now();
    board.join(bob, campaignId);
    for (const to of ['ready', 'reserved', 'on-call', 'wrap-up'] as const) board.changed({ agentId: bob, campaignId, to, at, attemptId });
    port.listeners.emit({ type: 'call.connected', attemptId, agentId: bob, at });
    // This call was never stored: its screen pop says so.
    expect(await agent.next('error')).toMatchObject({ message: expect.stringMatching(/its attempt is not stored/) });
    board.changed({ agentId: bob, campaignId, to: 'ready', at, reason: WRAP_UP_TIMEOUT_DISPOSITION });
    expect(await agent.next('state')).toMatchObject({ state: 'ready', reason: 'wrap-up-timeout' });
    agent.send({ type: 'disposition', attemptId, code: 'valid-sale' });
    expect(await agent.next('error')).toMatchObject({ message: expect.stringMatching(/wrap-up of attempt .* timed out: it has the system disposition wrap-up-timeout/) });
  });
});
