import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAttempt } from '../../src/campaigns/attempts.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { claimLeads } from '../../src/campaigns/hopper/claim.js';
import { explainHopper } from '../../src/campaigns/hopper/explain.js';
import { DAY, HOUR, MINUTE, SECOND, type EpochMs } from '../../src/domain/time.js';
import { finishBroadcastAttempt } from '../../src/ivr/broadcast-attempts.js';
import { broadcastRetrySchema } from '../../src/ivr/message.js';
import type { BroadcastOutcome } from '../../src/ivr/outcome.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const retry = broadcastRetrySchema.parse({ partlyHeardRetryMinutes: 120, maxAttempts: 3 });

describe.each(await testDatabases())('broadcast attempts on $kind', ({ open }) => {
  let db: Db;
  let campaign: Campaign;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());
  beforeEach(async () => {
    await emptyTables(db);
    campaign = await makeCampaign(db, { type: 'broadcast', rules: { contactCap: { perDay: 1, perWeek: 5 } } });
    await addLeads(db, campaign, [{ phone: '+12025550123' }]);
  });

  /** Claims the lead, dials it and ends the attempt with `outcome` at `at`. */
  async function attempt(at: EpochMs, outcome: BroadcastOutcome, partsHeard = 6, retryRules = retry) {
    const [lead] = await claimLeads(db, { campaign, engineId: 'e', count: 1, leaseMs: 30 * SECOND, now: at });
    if (!lead) return undefined;
    const attemptId = await startAttempt(db, { leadId: lead.leadId, engineId: 'e', now: at });
    const step = await finishBroadcastAttempt(db, attemptId, {
      endedAt: at + 40 * SECOND,
      result: { outcome, partsHeard, partsTotal: 6, plays: 1, keys: [] },
      retry: retryRules,
    });
    return { step, attemptId };
  }

  it('keeps what the customer heard with the attempt, and a message heard to the end finishes the lead', async () => {
    const done = await attempt(T0, 'heard');
    expect(done!.step).toEqual({ state: 'done', nextAttemptAt: null });
    const { rows } = await db.query<{ outcome: string; broadcast_result: unknown }>('SELECT outcome, broadcast_result FROM attempts WHERE id = $1', [done!.attemptId]);
    expect(rows[0]).toEqual({ outcome: 'live', broadcast_result: { outcome: 'heard', partsHeard: 6, partsTotal: 6, plays: 1, keys: [] } });
  });

  it('a message heard in part is tried again two hours later, at most three times', async () => {
    const first = await attempt(T0, 'partly-heard', 2);
    expect(first!.step).toEqual({ state: 'ready', nextAttemptAt: T0 + 40 * SECOND + 120 * MINUTE });
    expect(await attempt(T0 + HOUR, 'heard')).toBeUndefined();
    // A day apart, under a raised weekly cap: the profile's contact caps count a message heard in part as a contact.
    await attempt(T0 + DAY, 'partly-heard', 1);
    const third = await attempt(T0 + 2 * DAY, 'partly-heard', 4);
    expect(third!.step).toEqual({ state: 'exhausted', nextAttemptAt: null });
  });

  it('a message heard in part counts toward the contact caps, unless the campaign says it does not', async () => {
    const dueAt = T0 + 40 * SECOND + 120 * MINUTE;
    await attempt(T0, 'partly-heard', 2);
    // The retry is due, but the customer had their one contact of the day.
    expect((await explainHopper(db, campaign, dueAt)).heldBack['contact-pressure']).toBe(1);

    await emptyTables(db);
    campaign = await makeCampaign(db, { type: 'broadcast', rules: { contactCap: { perDay: 1, perWeek: 5 } } });
    await addLeads(db, campaign, [{ phone: '+12025550123' }]);
    await attempt(T0, 'partly-heard', 2, { ...retry, partlyHeardIsContact: false });
    expect((await explainHopper(db, campaign, dueAt)).eligibleNow).toBe(1);
    // A message heard to the end is a contact whatever the setting.
    expect((await attempt(dueAt, 'heard', 6, { ...retry, partlyHeardIsContact: false }))!.step.state).toBe('done');
    expect((await explainHopper(db, await makeOtherCampaignWithTheNumber(), dueAt + MINUTE)).heldBack['contact-pressure']).toBe(1);
  });

  it('holds a broadcast lead back once it had the attempts its retry rules allow, and says so', async () => {
    const capped = await makeCampaign(db, {
      type: 'broadcast',
      broadcastMessage: JSON.stringify({ promptSet: 'bill-reminder', parts: [{ prompt: 'intro' }], retry: { maxAttempts: 1 } }),
    });
    await addLeads(db, capped, [{ phone: '+12025550124' }]);
    await db.query(`UPDATE leads SET attempts_total = 1 WHERE campaign_id = $1`, [capped.id]);
    expect((await explainHopper(db, capped, T0)).heldBack['attempts-exhausted']).toBe(1);
  });

  async function makeOtherCampaignWithTheNumber(): Promise<Campaign> {
    const other = await makeCampaign(db, { type: 'broadcast' });
    await addLeads(db, other, [{ phone: '+12025550123' }]);
    return other;
  }

  it('an opt-out closes the lead as do-not-call; a busy line follows the usual retry delay', async () => {
    expect((await attempt(T0, 'busy'))!.step).toMatchObject({ state: 'ready' });
    const optOut = await attempt(T0 + HOUR, 'opted-out', 1);
    expect(optOut!.step).toEqual({ state: 'do-not-call', nextAttemptAt: null });
  });
});
