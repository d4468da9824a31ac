/**
 * The wallboard's data: a running campaign's publisher writes agent states,
 * calls in flight and today's counters to the live state; the API serves
 * them whole (/live) and as they change (/live/events, Server-Sent Events).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { LivePublisher } from '../../src/campaigns/dialing/live-publisher.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId, AttemptId, E164, LeadId } from '../../src/domain/ids.js';
import { SECOND } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import { freshPglite } from '../support/databases.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { quietLogger } from './telephony-lab.js';

const T0 = MONDAY_8AM_NEW_YORK + 3_600_000;
const ALICE = AgentId('alice');
const NORMAL = { code: 16, text: 'Normal Clearing' };

describe('the live wallboard', () => {
  let db: Db;
  let api: Api;
  let base: string;
  let key: string;
  const coordination = memoryCoordination({ now: () => T0 });
  beforeAll(async () => {
    db = await freshPglite('migrated');
    api = await buildApi({ db, coordination, clock: { now: () => T0 } });
    await api.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/api/v1`;
    key = await createApiKey(db, { name: 'wallboard', role: 'supervisor' });
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });

  it('shows a campaign\'s agents, calls and counters as its engine reports them, whole and as they change', async () => {
    const campaign = await makeCampaign(db);
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const events = new AbortController();
    const stream = await fetch(`${base}/live/events`, { headers: { authorization: `Bearer ${key}` }, signal: events.signal });
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let heard = '';
    const hear = async (pattern: RegExp) => {
      while (!pattern.test(heard)) heard += (await reader.read()).value ?? '';
    };
    await hear(/outpace live events/);

    const publisher = new LivePublisher({ live: coordination.live, campaignId: campaign.id, logger: quietLogger });
    const live = AttemptId('a-live');
    const busy = AttemptId('a-busy');
    publisher.agentState(ALICE, 'logged-out', 'ready', T0);
    publisher.attemptOpened(live, T0);
    publisher.attemptOpened(busy, T0);
    publisher.telephonyEvent({ type: 'call.ringing', attemptId: live, at: T0 + SECOND });
    // Another campaign's call on the same port is not this campaign's.
    publisher.telephonyEvent({ type: 'call.ringing', attemptId: AttemptId('elsewhere'), at: T0 + SECOND });
    publisher.telephonyEvent({ type: 'call.connected', attemptId: live, agentId: ALICE, at: T0 + 9 * SECOND });
    publisher.agentState(ALICE, 'ready', 'on-call', T0 + 9 * SECOND);
    const ended = { leadId: LeadId('l'), number: E164('+12025550143'), originatedAt: T0, cause: NORMAL, abandoned: false };
    publisher.attemptEnded({ ...ended, attemptId: busy, endedAt: T0 + 3 * SECOND, outcome: 'busy' });
    await publisher.settled();

    const board = await (await fetch(`${base}/live`, { headers: { authorization: `Bearer ${key}` } })).json();
    // Times as ISO 8601, never epoch milliseconds; names in camelCase.
    expect(board.agents).toEqual({ alice: { state: 'on-call', since: new Date(T0 + 9 * SECOND).toISOString(), campaignId: campaign.id } });
    expect(board.campaigns).toEqual([
      expect.objectContaining({
        id: campaign.id,
        state: 'running',
        today: { dials: 2, answers: 0, liveAnswers: 0, connects: 0, abandons: 0, machines: 0, keysPressed: 0, handovers: 0, optOuts: 0, callbacks: 0 },
        callsInFlight: [{ attemptId: live, campaignId: campaign.id, phase: 'connected', since: new Date(T0 + 9 * SECOND).toISOString(), agentId: ALICE }],
      }),
    ]);

    publisher.attemptEnded({ ...ended, attemptId: live, endedAt: T0 + 99 * SECOND, outcome: 'live', answeredAt: T0 + 8 * SECOND, readyAt: T0 + 8 * SECOND, connectedAt: T0 + 9 * SECOND, agentId: ALICE });
    await publisher.settled();
    await hear(/event: call-ended\ndata: \{"type":"call-ended","campaignId":"[^"]+","attemptId":"a-live"\}/);
    expect(heard).toMatch(/event: agent-state\ndata: .*"state":"on-call"/);
    expect(heard).not.toMatch(/elsewhere/);
    const after = await (await fetch(`${base}/live`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(after.campaigns[0]).toMatchObject({ today: { dials: 2, answers: 1, liveAnswers: 1, connects: 1 }, callsInFlight: [] });
    events.abort();
  });

  it('is for supervisors and readers, not agents nor strangers', async () => {
    await upsertAgent(db, { id: ALICE, name: 'Alice', redList: false });
    const agentKey = await createApiKey(db, { name: 'agent', role: 'agent', agentId: ALICE });
    expect((await fetch(`${base}/live`)).status).toBe(401);
    expect((await fetch(`${base}/live/events`, { headers: { authorization: `Bearer ${agentKey}` } })).status).toBe(403);
  });
});
