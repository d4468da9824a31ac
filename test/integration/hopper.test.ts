import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { finishAttempt, setDisposition, startAttempt, ClaimLostError } from '../../src/campaigns/attempts.js';
import { scheduleCallback } from '../../src/campaigns/callbacks.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { PROFILES } from '../../src/campaigns/compliance.js';
import { agentsWithDueCallbacks, claimLeads, releaseClaims, renewClaims } from '../../src/campaigns/hopper/claim.js';
import { explainHopper } from '../../src/campaigns/hopper/explain.js';
import { addNumberListEntries, checkNumber } from '../../src/campaigns/number-lists.js';
import { AgentId, type LeadId } from '../../src/domain/ids.js';
import type { CallOutcome } from '../../src/domain/outcomes.js';
import { DAY, HOUR, MINUTE, SECOND, type EpochMs } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR; // 10:00 in New York: inside every default window.
const LEASE = 30 * SECOND;

describe.each(await testDatabases())('the hopper on $kind', ({ open }) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());
  beforeEach(async () => emptyTables(db));

  const claim = (campaign: Campaign, now: EpochMs, count = 10, engineId = 'engine-a', forAgent: AgentId | null = null) =>
    claimLeads(db, { campaign, engineId, count, leaseMs: LEASE, now, forAgent });
  const phones = async (campaign: Campaign, now: EpochMs, count = 10, engineId = 'engine-a', forAgent: AgentId | null = null) =>
    (await claim(campaign, now, count, engineId, forAgent)).map((l) => l.phone).sort();

  /** Claims the lead, dials it and records the outcome at `at`. */
  async function dial(campaign: Campaign, at: EpochMs, outcome: CallOutcome, abandoned = false) {
    const [lead] = await claim(campaign, at, 1);
    if (!lead) throw new Error('nothing to dial');
    const attemptId = await startAttempt(db, { leadId: lead.leadId, engineId: 'engine-a', now: at });
    await finishAttempt(db, attemptId, { endedAt: at + 30 * SECOND, outcome, abandoned });
    return { lead, attemptId };
  }

  it('claims by priority and never hands out a claimed lead twice', async () => {
    const campaign = await makeCampaign(db);
    await addLeads(db, campaign, [
      { phone: '+12025550001', priority: 1 },
      { phone: '+12025550002', priority: 5 },
      { phone: '+12025550003', priority: 3 },
    ]);
    expect((await claim(campaign, T0, 2)).map((l) => l.phone)).toEqual(['+12025550002', '+12025550003']);
    expect(await phones(campaign, T0, 5, 'engine-b')).toEqual(['+12025550001']);
    expect(await phones(campaign, T0, 5, 'engine-c')).toEqual([]);
  });

  describe('calling window in the lead local time', () => {
    it('opens at 08:00 and closes at 21:00 in each time zone', async () => {
      const campaign = await makeCampaign(db);
      await addLeads(db, campaign, [
        { phone: '+12025550001', timeZone: 'America/New_York' },
        { phone: '+13105550001', timeZone: 'America/Los_Angeles' },
      ]);
      // 08:00 New York, 05:00 Los Angeles.
      expect(await phones(campaign, MONDAY_8AM_NEW_YORK - 1, 10, 'a')).toEqual([]);
      expect(await phones(campaign, MONDAY_8AM_NEW_YORK, 10, 'b')).toEqual(['+12025550001']);
      // 20:59 and 21:00 in Los Angeles (05:00 UTC next day is 21:00 PST).
      const nineInLosAngeles = Date.UTC(2026, 10, 24, 5, 0);
      expect(await phones(campaign, nineInLosAngeles - MINUTE, 10, 'c')).toEqual(['+13105550001']);
      await releaseClaims(db, 'c');
      expect(await phones(campaign, nineInLosAngeles, 10, 'd')).toEqual([]);
    });

    it('follows the per-day windows of the Canadian profile and skips holidays', async () => {
      const campaign = await makeCampaign(db, {
        complianceProfile: 'ca',
        rules: { callingWindow: { ...PROFILES.ca.rules.callingWindow, holidays: ['2026-11-26'] } },
      });
      await addLeads(db, campaign, [{ phone: '+14165550001', timeZone: 'America/Toronto' }]);
      const saturday = (h: number, m = 0) => Date.UTC(2026, 10, 28, h + 5, m); // EST = UTC-5
      expect(await phones(campaign, saturday(9, 59), 1, 'a')).toEqual([]);
      expect(await phones(campaign, saturday(10), 1, 'b')).toEqual(['+14165550001']);
      await releaseClaims(db, 'b');
      expect(await phones(campaign, saturday(18), 1, 'c')).toEqual([]);
      const thanksgivingNoon = Date.UTC(2026, 10, 26, 17, 0);
      expect(await phones(campaign, thanksgivingNoon, 1, 'd')).toEqual([]);
      expect((await explainHopper(db, campaign, thanksgivingNoon)).heldBack['outside-calling-window']).toBe(1);
    });
  });

  it('waits the retry delay of each outcome, configurable per campaign', async () => {
    const campaign = await makeCampaign(db, { rules: { maxAttemptsPerDay: 5, retryMinutes: { machine: 30 } } });
    await addLeads(db, campaign, [{ phone: '+12025550001' }]);
    const busyEnd = T0 + 30 * SECOND;
    await dial(campaign, T0, 'busy');
    expect(await phones(campaign, busyEnd + 10 * MINUTE - 1)).toEqual([]);
    const t1 = busyEnd + 10 * MINUTE;
    expect((await explainHopper(db, campaign, t1 - 1)).heldBack['retry-delay']).toBe(1);
    await releaseClaims(db, 'engine-a');
    await dial(campaign, t1, 'no-answer');
    const noAnswerEnd = t1 + 30 * SECOND;
    expect(await phones(campaign, noAnswerEnd + 2 * HOUR - 1)).toEqual([]);
    await dial(campaign, noAnswerEnd + 2 * HOUR, 'machine');
    const machineEnd = noAnswerEnd + 2 * HOUR + 30 * SECOND;
    expect(await phones(campaign, machineEnd + 30 * MINUTE - 1)).toEqual([]);
    expect(await phones(campaign, machineEnd + 30 * MINUTE)).toEqual(['+12025550001']);
  });

  it('stops at the maximum attempts per day and in total', async () => {
    const campaign = await makeCampaign(db, { rules: { maxAttemptsPerDay: 1, maxAttemptsTotal: 2, retryMinutes: { busy: 1 } } });
    await addLeads(db, campaign, [{ phone: '+12025550001' }]);
    await dial(campaign, T0, 'busy');
    expect(await phones(campaign, T0 + HOUR)).toEqual([]);
    expect((await explainHopper(db, campaign, T0 + HOUR)).heldBack['daily-attempts-reached']).toBe(1);
    const { lead } = await dial(campaign, T0 + DAY, 'busy');
    const state = await db.query<{ state: string }>('SELECT state FROM leads WHERE id = $1', [lead.leadId]);
    expect(state.rows[0]!.state).toBe('exhausted');
    expect((await explainHopper(db, campaign, T0 + 2 * DAY)).finished.exhausted).toBe(1);
  });

  it('never dials a black-listed number, globally or for the campaign, and honours grey and red lists', async () => {
    const campaign = await makeCampaign(db);
    const broadcast = await makeCampaign(db, { type: 'broadcast' });
    const numbers = ['+12025550001', '+12025550002', '+12025550003', '+12025550004', '+12025550005'];
    await addLeads(db, campaign, numbers.map((phone) => ({ phone })));
    await addLeads(db, broadcast, numbers.map((phone) => ({ phone, timeZone: 'America/Chicago' })));
    await addNumberListEntries(
      db,
      [
        { phone: '+12025550001', color: 'black', category: 'complaint', source: 'api', campaignId: null },
        { phone: '+12025550002', color: 'black', category: 'opt-out', source: 'api', campaignId: campaign.id },
        { phone: '+12025550003', color: 'grey', category: 'hostile-once', source: 'api', campaignId: null },
        { phone: '+12025550004', color: 'red', category: 'vip', source: 'api', campaignId: null },
      ],
      'test',
    );
    expect(await phones(campaign, T0)).toEqual(['+12025550003', '+12025550005']);
    await releaseClaims(db, 'engine-a');
    expect(await phones(broadcast, T0)).toEqual(['+12025550002', '+12025550005']);
    const why = await explainHopper(db, broadcast, T0 + HOUR);
    expect(why.heldBack['do-not-call']).toBe(1);
    expect(why.heldBack['grey-or-red-list']).toBe(2);
  });

  it('puts a do-not-call disposition on the black list at once', async () => {
    const first = await makeCampaign(db);
    const second = await makeCampaign(db);
    await addLeads(db, first, [{ phone: '+12025550001' }]);
    await addLeads(db, second, [{ phone: '+12025550001' }]);
    const { attemptId } = await dial(first, T0, 'live');
    await setDisposition(db, attemptId, { code: 'do-not-call' }, 'agent-1', T0 + MINUTE);
    expect((await checkNumber(db, '+12025550001')).map((e) => e.color)).toEqual(['black']);
    expect(await phones(second, T0 + 3 * DAY)).toEqual([]);
  });

  it('takes due callbacks first, for their named agent or anyone', async () => {
    const campaign = await makeCampaign(db);
    await upsertAgent(db, { id: AgentId('alice'), name: 'Alice', redList: false });
    const ids = await addLeads(db, campaign, [
      { phone: '+12025550001', priority: 9 },
      { phone: '+12025550002', priority: 0 },
      { phone: '+12025550003', priority: 0 },
    ]);
    await scheduleCallback(db, { leadId: ids.get('+12025550002')!, dueAt: T0 - MINUTE }, 'test');
    await scheduleCallback(db, { leadId: ids.get('+12025550003')!, dueAt: T0 - MINUTE, agentId: AgentId('alice') }, 'test');
    const pool = await claim(campaign, T0, 1, 'a');
    expect(pool.map((l) => [l.phone, l.callbackDue])).toEqual([['+12025550002', true]]);
    const why = await explainHopper(db, campaign, T0);
    expect(why.heldBack['callback-for-another-agent']).toBe(1);
    const forAlice = await claim(campaign, T0, 1, 'b', AgentId('alice'));
    expect(forAlice.map((l) => l.phone)).toEqual(['+12025550003']);
  });

  it('holds a lead whose callback is not yet due', async () => {
    const campaign = await makeCampaign(db);
    const ids = await addLeads(db, campaign, [{ phone: '+12025550001' }]);
    await scheduleCallback(db, { leadId: ids.get('+12025550001')!, dueAt: T0 + HOUR }, 'test');
    expect((await explainHopper(db, campaign, T0)).heldBack['callback-not-due']).toBe(1);
    expect(await phones(campaign, T0)).toEqual([]);
    expect(await phones(campaign, T0 + HOUR)).toEqual(['+12025550001']);
  });

  it('never has two attempts in flight to one number, across campaigns', async () => {
    const first = await makeCampaign(db);
    const second = await makeCampaign(db);
    await addLeads(db, first, [{ phone: '+12025550001' }]);
    await addLeads(db, second, [{ phone: '+12025550001' }]);
    const [lead] = await claim(first, T0, 1, 'a');
    expect(await phones(second, T0, 1, 'b')).toEqual([]);
    const attemptId = await startAttempt(db, { leadId: lead!.leadId, engineId: 'a', now: T0 });
    // Past the claim's lease, the call in flight still holds the number.
    expect(await phones(second, T0 + 10 * MINUTE, 1, 'b')).toEqual([]);
    expect((await explainHopper(db, second, T0 + 10 * MINUTE)).heldBack['number-in-flight-elsewhere']).toBe(1);
    await finishAttempt(db, attemptId, { endedAt: T0 + 11 * MINUTE, outcome: 'no-answer' });
    expect(await phones(second, T0 + 11 * MINUTE, 1, 'b')).toEqual(['+12025550001']);
  });

  it('caps contacts with one customer across campaigns', async () => {
    const first = await makeCampaign(db);
    const second = await makeCampaign(db, { rules: { contactCap: { perDay: 1, perWeek: 2 } } });
    await addLeads(db, first, [{ phone: '+12025550001' }]);
    await addLeads(db, second, [{ phone: '+12025550001' }]);
    await dial(first, T0, 'live');
    expect(await phones(second, T0 + HOUR)).toEqual([]);
    expect((await explainHopper(db, second, T0 + HOUR)).heldBack['contact-pressure']).toBe(1);
    expect(await phones(second, T0 + DAY)).toEqual(['+12025550001']);
  });

  it('allows a grey-listed customer one contact a week, and red-listed ones only where the campaign allows', async () => {
    const first = await makeCampaign(db);
    const second = await makeCampaign(db, { rules: { allowRedList: true } });
    await addLeads(db, first, [{ phone: '+12025550001' }]);
    await addLeads(db, second, [{ phone: '+12025550001' }, { phone: '+12025550002' }]);
    await addNumberListEntries(
      db,
      [
        { phone: '+12025550001', color: 'grey', category: 'complained-once', source: 'api', campaignId: null },
        { phone: '+12025550002', color: 'red', category: 'vip', source: 'api', campaignId: null },
      ],
      'test',
    );
    await dial(first, T0, 'live');
    const nextDay = await claim(second, T0 + DAY, 10);
    expect(nextDay.map((l) => [l.phone, l.redList])).toEqual([['+12025550002', true]]);
    expect((await explainHopper(db, second, T0 + DAY)).heldBack['contact-pressure']).toBe(1);
    // A week on, the grey customer may be called again (the red lead's unused claim has lapsed too).
    expect(await phones(second, T0 + 7 * DAY + MINUTE, 10, 'b')).toEqual(['+12025550001', '+12025550002']);
  });

  it('locks a number out for 72 hours after an abandoned call under the UK profile', async () => {
    const uk = await makeCampaign(db, { complianceProfile: 'uk' });
    await addLeads(db, uk, [{ phone: '+442071234567', timeZone: 'Europe/London' }]);
    await dial(uk, T0, 'live', true);
    const abandonedAt = T0 + 30 * SECOND;
    expect((await explainHopper(db, uk, abandonedAt + 71 * HOUR)).heldBack['abandon-lockout']).toBe(1);
    expect(await phones(uk, abandonedAt + 71 * HOUR)).toEqual([]);
    expect(await phones(uk, abandonedAt + 72 * HOUR + SECOND)).toEqual(['+442071234567']);
  });

  it('inside the UK lockout, dials a callback the customer asked for only with an agent waiting for it', async () => {
    const uk = await makeCampaign(db, { complianceProfile: 'uk' });
    const ids = await addLeads(db, uk, [
      { phone: '+442071234567', timeZone: 'Europe/London' },
      { phone: '+442071234568', timeZone: 'Europe/London' },
    ]);
    // Both abandoned; the first asked to be called back (a broadcast's key 1 with no agent free: handover.ts).
    await dial(uk, T0, 'live', true);
    await dial(uk, T0, 'live', true);
    const abandonedAt = T0 + 30 * SECOND;
    await scheduleCallback(db, { leadId: ids.get('+442071234567')!, dueAt: abandonedAt + HOUR }, 'ivr');
    const now = abandonedAt + 2 * HOUR;
    const alice = AgentId('alice');
    // The campaign's own dials may be abandoned again: held back, both.
    expect(await phones(uk, now)).toEqual([]);
    // An agent who waits for the call (reserved, never abandoned) may make the callback, and only the callback.
    expect(await agentsWithDueCallbacks(db, uk.id, [alice], now, PROFILES.uk.rules.abandonLockoutHours)).toEqual([alice]);
    const forAlice = await claimLeads(db, { campaign: uk, engineId: 'engine-a', count: 5, leaseMs: LEASE, now, forAgent: alice, callbacksOnly: true });
    expect(forAlice.map((l) => l.phone)).toEqual(['+442071234567']);
  });

  it('dials only customers with recorded consent under the Chinese profile', async () => {
    const cn = await makeCampaign(db, { complianceProfile: 'cn' });
    await addLeads(db, cn, [
      { phone: '+8613800138000', timeZone: 'Asia/Shanghai' },
      { phone: '+8613800138001', timeZone: 'Asia/Shanghai' },
    ]);
    await db.query(`UPDATE customers SET consent_at = now() WHERE phone = '+8613800138001'`);
    const tenInBeijing = Date.UTC(2026, 10, 23, 2, 0);
    expect(await phones(cn, tenInBeijing)).toEqual(['+8613800138001']);
    expect((await explainHopper(db, cn, tenInBeijing)).heldBack['no-consent']).toBe(1);
  });

  describe('claims as leases', () => {
    it('returns a crashed engine\'s claims to the pool when the lease lapses', async () => {
      const campaign = await makeCampaign(db);
      await addLeads(db, campaign, [{ phone: '+12025550001' }]);
      const [lead] = await claim(campaign, T0, 1, 'crashed');
      expect(await phones(campaign, T0 + LEASE - 1, 1, 'survivor')).toEqual([]);
      expect(await phones(campaign, T0 + LEASE, 1, 'survivor')).toEqual(['+12025550001']);
      await expect(startAttempt(db, { leadId: lead!.leadId, engineId: 'crashed', now: T0 + LEASE })).rejects.toThrow(ClaimLostError);
    });

    it('keeps a renewed claim and frees a released one at once', async () => {
      const campaign = await makeCampaign(db);
      await addLeads(db, campaign, [{ phone: '+12025550001' }, { phone: '+12025550002' }]);
      const claimed = await claim(campaign, T0, 2, 'a');
      expect(await renewClaims(db, 'a', LEASE, T0 + LEASE - 1)).toBe(2);
      expect(await phones(campaign, T0 + LEASE, 2, 'b')).toEqual([]);
      await releaseClaims(db, 'a', [claimed[0]!.leadId]);
      expect(await phones(campaign, T0 + LEASE, 2, 'b')).toEqual([claimed[0]!.phone]);
    });
  });

  it('gives every lead to exactly one of several concurrent claimers', async () => {
    const campaign = await makeCampaign(db);
    const leads = Array.from({ length: 300 }, (_, i) => ({ phone: `+1202555${String(i).padStart(4, '0')}` }));
    await addLeads(db, campaign, leads);
    const claimer = async (engineId: string): Promise<LeadId[]> => {
      const mine: LeadId[] = [];
      for (;;) {
        const batch = await claim(campaign, T0, 7, engineId);
        if (batch.length === 0) return mine;
        mine.push(...batch.map((l) => l.leadId));
      }
    };
    const results = await Promise.all(['a', 'b', 'c', 'd'].map(claimer));
    const all = results.flat();
    expect(all.length).toBe(300);
    expect(new Set(all).size).toBe(300);
  });

  it('writes the attempt before the originate, then its outcome, and moves the lead on', async () => {
    const campaign = await makeCampaign(db);
    await upsertAgent(db, { id: AgentId('bob'), name: 'Bob', redList: false });
    await addLeads(db, campaign, [{ phone: '+12025550001' }]);
    const [lead] = await claim(campaign, T0, 1);
    const attemptId = await startAttempt(db, { leadId: lead!.leadId, engineId: 'engine-a', now: T0 });
    const written = await db.query<{ originated_at: Date; ended_at: Date | null }>('SELECT originated_at, ended_at FROM attempts WHERE id = $1', [attemptId]);
    expect(written.rows[0]).toEqual({ originated_at: new Date(T0), ended_at: null });
    expect((await explainHopper(db, campaign, T0)).heldBack['in-flight']).toBe(1);
    const step = await finishAttempt(db, attemptId, {
      endedAt: T0 + 20 * SECOND,
      outcome: 'busy',
      hangupCause: { code: 17, text: 'User busy', techCause: 486 },
    });
    expect(step).toEqual({ state: 'ready', nextAttemptAt: T0 + 20 * SECOND + 10 * MINUTE });
    const row = await db.query('SELECT outcome, hangup_cause_code, hangup_cause_text, tech_cause FROM attempts WHERE id = $1', [attemptId]);
    expect(row.rows[0]).toEqual({ outcome: 'busy', hangup_cause_code: 17, hangup_cause_text: 'User busy', tech_cause: 486 });
    await expect(finishAttempt(db, attemptId, { endedAt: T0 + MINUTE, outcome: 'busy' })).rejects.toThrow(/open attempt/);
  });
});
