import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { upsertAgent } from '../../src/campaigns/agents.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { OwnershipLostError, takeCampaign } from '../../src/campaigns/dialing/campaign-fence.js';
import { ClaimedLeads } from '../../src/campaigns/dialing/claimed-leads.js';
import { StoredAttempts } from '../../src/campaigns/dialing/stored-attempts.js';
import type { Lead } from '../../src/campaigns/lead-source.js';
import { checkNumber } from '../../src/campaigns/number-lists.js';
import { adoptAttempts } from '../../src/campaigns/attempts.js';
import { AgentId, AttemptId, type LeadId } from '../../src/domain/ids.js';
import { HOUR, SECOND, type EpochMs } from '../../src/domain/time.js';
import type { AttemptRecord } from '../../src/engine/attempt-record.js';
import type { PacingDecision } from '../../src/pacing/pacer.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ALICE = AgentId('alice');
const NORMAL_CLEARING = { code: 16, text: 'Normal Clearing' };

describe.each(await testDatabases())('the engine storage on $kind', ({ open }) => {
  let db: Db;
  let now: EpochMs;
  const clock = { now: () => now };
  const errors: unknown[] = [];
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());
  beforeEach(async () => {
    await emptyTables(db);
    await upsertAgent(db, { id: ALICE, name: 'Alice', redList: false });
    now = T0;
    errors.length = 0;
  });

  const phones = (n: number) => Array.from({ length: n }, (_, i) => ({ phone: `+1202555${String(i + 1).padStart(4, '0')}` }));
  const leadSource = (campaign: Campaign, engineId = 'engine-a') =>
    new ClaimedLeads({ db, campaignId: campaign.id, engineId, clock, onError: (e) => errors.push(e) });
  const attempts = (engineId = 'engine-a') =>
    new StoredAttempts({ db, engineId, onError: (_id, what, e) => errors.push(new Error(`${what}: ${String(e)}`)) });
  const leadRow = async (id: LeadId) =>
    (await db.query<{ state: string; claimed_by: string | null; next_attempt_at: Date | null }>('SELECT state, claimed_by, next_attempt_at FROM leads WHERE id = $1', [id]))
      .rows[0]!;
  const attemptRow = async (id: AttemptId) =>
    (await db.query<Record<string, unknown>>('SELECT * FROM attempts WHERE id = $1::uuid', [id])).rows[0]!;
  const wanting = (proposed: number) => ({ proposed }) as PacingDecision;

  async function takeOne(source: ClaimedLeads): Promise<Lead> {
    source.refill();
    await source.settled();
    const lead = source.take();
    if (!lead) throw new Error('no lead claimed');
    return lead;
  }

  describe('the claimed lead source', () => {
    it('hands out nothing until a background claim lands, then leads held by this engine', async () => {
      const campaign = await makeCampaign(db);
      await addLeads(db, campaign, phones(5));
      const source = leadSource(campaign);
      // take() never waits: the first call only starts the claim.
      expect(source.take()).toBeUndefined();
      await source.settled();
      expect(source.available()).toBe(2);
      const lead = source.take()!;
      expect(await leadRow(lead.id)).toMatchObject({ state: 'claimed', claimed_by: 'engine-a' });
      expect(errors).toEqual([]);
    });

    it('sizes its buffer from the pacing decisions, within its bounds', async () => {
      const campaign = await makeCampaign(db);
      await addLeads(db, campaign, phones(30));
      const source = new ClaimedLeads({ db, campaignId: campaign.id, engineId: 'engine-a', clock, maxBuffer: 10 });
      source.decided(wanting(3));
      await source.settled();
      expect(source.available()).toBe(6);
      source.decided(wanting(40));
      await source.settled();
      expect(source.available()).toBe(10);
    });

    it('gives its undialed leads back when closed, and drops leads whose claim is about to lapse', async () => {
      const campaign = await makeCampaign(db);
      const ids = await addLeads(db, campaign, phones(3));
      const source = leadSource(campaign);
      source.decided(wanting(2));
      await source.settled();
      expect(source.available()).toBe(3);
      now += 16 * SECOND; // 4 s of a 20 s lease left: too little to write the attempt safely.
      expect(source.take()).toBeUndefined();
      await source.settled();
      await source.close();
      for (const id of ids.values()) expect((await leadRow(id)).state).toBe('ready');
      expect(errors).toEqual([]);
    });
  });

  describe('the stored attempts', () => {
    const record = (attemptId: AttemptId, lead: Lead, r: Partial<AttemptRecord>): AttemptRecord => ({
      attemptId,
      leadId: lead.id,
      number: lead.number,
      originatedAt: now,
      endedAt: now + 30 * SECOND,
      outcome: 'no-answer',
      abandoned: false,
      cause: NORMAL_CLEARING,
      ...r,
    });

    /** One lead claimed and its attempt written, as just before the originate. */
    async function oneAttemptOpened() {
      const campaign = await makeCampaign(db);
      await addLeads(db, campaign, phones(1));
      const store = attempts();
      const lead = await takeOne(leadSource(campaign));
      const attemptId = store.newAttemptId();
      await store.opened(attemptId, lead, now);
      return { store, lead, attemptId };
    }

    it('refuses a new attempt once another engine has taken the campaign, and says so', async () => {
      const campaign = await makeCampaign(db);
      await addLeads(db, campaign, phones(2));
      const fence = await takeCampaign(db, campaign.id, 'engine-a');
      const lost: OwnershipLostError[] = [];
      const store = new StoredAttempts({ db, engineId: 'engine-a', fence, onOwnershipLost: (e) => lost.push(e) });
      const source = leadSource(campaign);
      const [first, second] = [await takeOne(source), await takeOne(source)];
      await store.opened(store.newAttemptId(), first, now);
      expect(await leadRow(first.id)).toMatchObject({ state: 'dialing' });

      // engine-a stalled past its lease; engine-b took the campaign. engine-a's claim on the second lead has not lapsed yet.
      await takeCampaign(db, campaign.id, 'engine-b');
      await expect(store.opened(store.newAttemptId(), second, now)).rejects.toThrow(OwnershipLostError);
      expect(lost.map((e) => e.message)).toEqual([expect.stringMatching(/engine engine-a no longer owns campaign .* \(taken by engine-b\)/)]);
      expect(await leadRow(second.id)).toMatchObject({ state: 'claimed' });
      expect((await db.query('SELECT 1 FROM attempts WHERE lead_id = $1', [second.id])).rows).toEqual([]);
    });

    it('closes no call another engine adopted: the deposed engine\'s late outcome is refused, the adopter\'s is stored', async () => {
      const { store, lead, attemptId } = await oneAttemptOpened();
      await adoptAttempts(db, [attemptId], 'engine-b');
      store.ended(record(attemptId, lead, { outcome: 'busy', cause: { code: 17, text: 'User busy' } }));
      await store.settled();
      expect(await attemptRow(attemptId)).toMatchObject({ ended_at: null, engine_id: 'engine-b' });
      expect(errors.map(String)).toEqual([expect.stringMatching(/open attempt of engine engine-a/)]);

      const adopter = attempts('engine-b');
      adopter.ended(record(attemptId, lead, { outcome: 'live', party: 'human', answeredAt: now, connectedAt: now, agentId: ALICE }));
      await adopter.settled();
      expect(await attemptRow(attemptId)).toMatchObject({ outcome: 'live', agent_id: 'alice' });
    });

    it('writes the row before the originate and the whole outcome after, moving the lead on', async () => {
      const campaign = await makeCampaign(db);
      await addLeads(db, campaign, phones(2));
      const source = leadSource(campaign);
      const store = attempts();
      const busyLead = await takeOne(source);
      const busy = store.newAttemptId();
      await store.opened(busy, busyLead, now);
      expect(await attemptRow(busy)).toMatchObject({ lead_id: busyLead.id, ended_at: null, engine_id: 'engine-a' });
      store.ended(record(busy, busyLead, { outcome: 'busy', cause: { code: 17, text: 'User busy', techCause: 486 } }));

      const liveLead = await takeOne(source);
      const live = store.newAttemptId();
      await store.opened(live, liveLead, now);
      store.ended(
        record(live, liveLead, { outcome: 'live', party: 'human', answeredAt: now + 5 * SECOND, connectedAt: now + 6 * SECOND, agentId: ALICE }),
      );
      store.telephonyEvent({
        type: 'recording.finished',
        attemptId: live,
        at: now + 31 * SECOND,
        recording: { name: `rec-${live}`, leg: 'mixed', startedAt: now + 6 * SECOND, durationSec: 24 },
      });
      await store.settled();

      expect(await attemptRow(busy)).toMatchObject({ outcome: 'busy', hangup_cause_code: 17, tech_cause: 486, abandoned: false });
      expect((await attemptRow(busy)).ended_at).toEqual(new Date(now + 30 * SECOND));
      expect((await leadRow(busyLead.id)).state).toBe('ready');
      expect(await attemptRow(live)).toMatchObject({
        outcome: 'live',
        agent_id: 'alice',
        answered_at: new Date(now + 5 * SECOND),
        connected_at: new Date(now + 6 * SECOND),
        recordings: [`rec-${live}`],
      });
      expect((await leadRow(liveLead.id)).state).toBe('done');
      expect(errors).toEqual([]);
    });

    it('records the disposition after the outcome, even when the agent is quicker than the database', async () => {
      const { store, lead, attemptId } = await oneAttemptOpened();
      store.ended(record(attemptId, lead, { outcome: 'live', party: 'human', answeredAt: now, connectedAt: now, agentId: ALICE }));
      // Queued at once behind the outcome: the do-not-call must be the lead's last word.
      store.deskEvent({ type: 'agent.wrap-up-done', agentId: ALICE, attemptId, disposition: 'do-not-call', at: now + 40 * SECOND });
      await store.settled();
      expect(await attemptRow(attemptId)).toMatchObject({ disposition: 'do-not-call', outcome: 'live' });
      expect((await leadRow(lead.id)).state).toBe('do-not-call');
      expect((await checkNumber(db, lead.number)).map((e) => e.color)).toEqual(['black']);
      expect(errors).toEqual([]);
    });

    it('stores nothing more for an attempt whose claim lapsed before its row was written', async () => {
      const campaign = await makeCampaign(db);
      await addLeads(db, campaign, phones(1));
      const store = attempts();
      const lead = await takeOne(leadSource(campaign, 'engine-a'));
      const attemptId = store.newAttemptId();
      const other = attempts('engine-b');
      await expect(other.opened(attemptId, lead, now)).rejects.toThrow(/no longer holds lead/);
      other.ended(record(attemptId, lead, { outcome: 'failed', cause: { code: 0, text: 'attempt not written' } }));
      await other.settled();
      expect((await db.query('SELECT 1 FROM attempts')).rows).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('refuses a disposition for a call that has not ended with the agent', async () => {
      const { store, lead, attemptId } = await oneAttemptOpened();
      store.deskEvent({ type: 'agent.wrap-up-done', agentId: ALICE, attemptId, disposition: 'do-not-call', at: now });
      store.ended(record(attemptId, lead, { outcome: 'live', party: 'human', answeredAt: now, connectedAt: now, agentId: ALICE }));
      await store.settled();
      expect((await attemptRow(attemptId)).disposition).toBeNull();
      expect((await leadRow(lead.id)).state).toBe('done');
      expect(errors.map(String)).toEqual([expect.stringMatching(/awaits a disposition/)]);
    });

    it('leaves alone the dispositions of another campaign sharing the desk (blended agents)', async () => {
      const { store } = await oneAttemptOpened();
      const elsewhere = AttemptId('00000000-0000-4000-8000-000000000001');
      store.deskEvent({ type: 'agent.wrap-up-done', agentId: ALICE, attemptId: elsewhere, disposition: 'valid-sale', at: now });
      await store.settled();
      expect(errors).toEqual([]);
    });

    it('reports a disposition storage does not know, with its attempt', async () => {
      const { store, lead, attemptId } = await oneAttemptOpened();
      store.ended(record(attemptId, lead, { outcome: 'live', agentId: ALICE, connectedAt: now }));
      store.deskEvent({ type: 'agent.wrap-up-done', agentId: ALICE, attemptId, disposition: 'no-such-code', at: now });
      await store.settled();
      expect(errors.map(String)).toEqual([expect.stringMatching(/^Error: disposition: .*no-such-code/)]);
    });
  });
});
