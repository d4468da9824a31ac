import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeskHub } from '../../src/agents/desk-hub.js';
import type { AgentDeskEvent } from '../../src/agents/desk.js';
import { createApiKey } from '../../src/api/keys.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { startAttempt } from '../../src/campaigns/attempts.js';
import { claimLeads } from '../../src/campaigns/hopper/claim.js';
import { AgentId, AttemptId } from '../../src/domain/ids.js';
import { HOUR, SECOND } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import type { TelephonyEvent, TelephonyListener } from '../../src/telephony/port.js';
import { AgentClient, serveAgentSockets } from '../support/agent-client.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ALICE = AgentId('alice');

describe.each(await testDatabases())('the agent socket on $kind', ({ open }) => {
  let db: Db;
  let served: Awaited<ReturnType<typeof serveAgentSockets>>;
  let url: string;
  const desk = new DeskHub();
  const heardByEngine: AgentDeskEvent[] = [];
  const calls = new Set<TelephonyListener>();
  const emitCall = (e: TelephonyEvent) => calls.forEach((l) => l(e));
  beforeAll(async () => {
    db = await open();
    desk.subscribe((e) => heardByEngine.push(e));
    served = await serveAgentSockets({
      db,
      desk,
      clock: { now: () => T0 },
      subscribeCalls: (l) => (calls.add(l), () => calls.delete(l)),
    });
    url = served.url;
  });
  afterAll(async () => {
    await served.close();
    await db.close();
  });
  beforeEach(async () => {
    await emptyTables(db);
    await upsertAgent(db, { id: ALICE, name: 'Alice', redList: false });
    heardByEngine.length = 0;
  });

  it('refuses a connection without an agent key', async () => {
    await expect(AgentClient.open(url)).rejects.toThrow(/401/);
    const supervisorKey = await createApiKey(db, { name: 'sam', role: 'supervisor' });
    await expect(AgentClient.open(url, supervisorKey)).rejects.toThrow(/401/);
  });

  it('passes the agent on to the engine, pops the lead on connect and takes the disposition of that call only', async () => {
    const key = await createApiKey(db, { name: 'alice', role: 'agent', agentId: ALICE });
    const campaign = await makeCampaign(db, { name: 'Winter sale' });
    await addLeads(db, campaign, [{ phone: '+12025550001' }]);
    const [lead] = await claimLeads(db, { campaign, engineId: 'e', count: 1, leaseMs: 30 * SECOND, now: T0 });
    const attemptId = await startAttempt(db, { leadId: lead!.leadId, engineId: 'e', now: T0 });

    const agent = await AgentClient.open(url, key);
    expect(await agent.next()).toEqual({ type: 'hello', agentId: 'alice', now: new Date(T0).toISOString(), rate: 1 });
    agent.send({ type: 'login', endpoint: 'PJSIP/alice' });
    agent.send({ type: 'pause', reason: 'coffee' });
    expect(await agent.next()).toMatchObject({ type: 'error', message: expect.stringMatching(/reason/) });
    agent.send({ type: 'pause', reason: 'break' });
    agent.send({ type: 'resume' });

    emitCall({ type: 'call.connected', attemptId, agentId: ALICE, at: T0 });
    expect(await agent.next()).toMatchObject({
      type: 'screen-pop',
      attemptId,
      campaign: { id: campaign.id, name: 'Winter sale' },
      lead: { id: lead!.leadId, phone: '+12025550001', fields: {} },
    });
    const someoneElses = AttemptId('00000000-0000-4000-8000-000000000000');
    agent.send({ type: 'disposition', attemptId: someoneElses, code: 'valid-sale' });
    expect(await agent.next()).toMatchObject({ type: 'error', message: expect.stringMatching(/not your last call/) });
    agent.send({ type: 'disposition', attemptId, code: 'valid-sale' });
    agent.send({ type: 'logout' });
    await expect.poll(() => heardByEngine.length).toBe(5);
    expect(heardByEngine.map((e) => e.type)).toEqual(['agent.login', 'agent.pause', 'agent.resume', 'agent.wrap-up-done', 'agent.logout']);
    expect(heardByEngine[3]).toMatchObject({ agentId: ALICE, attemptId, disposition: 'valid-sale' });
    agent.ws.close();
  });
});
