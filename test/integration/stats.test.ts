import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishAttempt, startAttempt } from '../../src/campaigns/attempts.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { claimLeads } from '../../src/campaigns/hopper/claim.js';
import { campaignStats } from '../../src/campaigns/stats.js';
import type { CallOutcome } from '../../src/domain/outcomes.js';
import { HOUR, MINUTE } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;

describe.each(await testDatabases())('campaign statistics on $kind', ({ open }) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());

  async function dialAll(campaign: Campaign, outcomes: [CallOutcome, boolean][]) {
    const leads = await claimLeads(db, { campaign, engineId: 'e', count: outcomes.length, leaseMs: MINUTE, now: T0 });
    for (const [i, [outcome, abandoned]] of outcomes.entries()) {
      const attemptId = await startAttempt(db, { leadId: leads[i]!.leadId, engineId: 'e', now: T0 });
      await finishAttempt(db, attemptId, { endedAt: T0 + MINUTE, outcome, abandoned });
    }
  }

  it('computes connect, live-answer and abandon rates, counting estimated detection false positives under the UK profile', async () => {
    const uk = await makeCampaign(db, { complianceProfile: 'uk', pacing: { detectionFalsePositiveRate: 0.1 } });
    await addLeads(db, uk, Array.from({ length: 10 }, (_, i) => ({ phone: `+4420712345${String(i).padStart(2, '0')}`, timeZone: 'Europe/London' })));
    await dialAll(uk, [
      ['live', false], ['live', false], ['live', false], ['live', true],
      ['machine', false], ['machine', false], ['machine', false], ['machine', false], ['machine', false],
      ['no-answer', false],
    ]);
    const stats = await campaignStats(db, uk, T0 + HOUR);
    expect(stats).toMatchObject({ windowHours: 24, dials: 10, answered: 9, liveAnswers: 4, abandons: 1, estimatedFalsePositives: 0.5 });
    expect(stats.connectRate).toBe(0.9);
    expect(stats.abandonRate).toBeCloseTo(1.5 / 4.5);
  });
});
