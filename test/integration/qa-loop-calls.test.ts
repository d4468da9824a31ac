/**
 * QA loops driven by the calls themselves, on PostgreSQL: a trial sale's
 * confirmation calls scheduled when the agent dispositions the sale, each
 * confirmation or corrective call's own disposition moving its loop on, and
 * a failed review of a trial sale closing its confirmations, as a
 * supervisor's correction does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDisposition } from '../../src/campaigns/attempts.js';
import { correctDisposition } from '../../src/campaigns/disposition-correction.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { AgentId, CampaignId, type AttemptId } from '../../src/domain/ids.js';
import { DAY, HOUR, MINUTE, type EpochMs } from '../../src/domain/time.js';
import { listLoops } from '../../src/qa/qa-loops.js';
import { drawIntoQueue, saveSamplingPlan } from '../../src/qa/review-queue.js';
import { claimCall, stockScorecard, submitReview } from '../../src/qa/reviews.js';
import { samplingPlanSchema } from '../../src/qa/sampling-plan.js';
import type { Db } from '../../src/storage/db.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { connectedCalls } from '../support/connected-calls.js';
import { openIsolatedPostgres, postgresUrl } from '../support/databases.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const url = await postgresUrl();
const T = MONDAY_8AM_NEW_YORK;
const TRIAL = { trialProduct: 'music-30' };

describe.skipIf(!url)('QA loops moved by their calls', () => {
  let db: Db;
  let campaign: Campaign;

  beforeAll(async () => {
    db = await openIsolatedPostgres(url!);
    await runMigrations(db);
    campaign = await makeCampaign(db);
    await saveSamplingPlan(db, CampaignId(campaign.id), samplingPlanSchema.parse({ alwaysSample: ['valid-sale'], trial: { firstAfterDays: 1, secondAfterDays: 1, extendDays: 1 } }), 'test');
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Another call to the sale's lead at `at`, talked to by `agent` and dispositioned through the agent's path. */
  async function callAgain(sale: AttemptId, agent: string, code: string, at: EpochMs): Promise<AttemptId> {
    await upsertAgent(db, { id: AgentId(agent), name: agent, redList: false });
    const { rows } = await db.query<{ id: AttemptId }>(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, answered_at, connected_at, ended_at, outcome, agent_id)
       SELECT lead_id, campaign_id, customer_id, phone, 'e', $2, $2, $2, $3, 'live', $4 FROM attempts WHERE id = $1 RETURNING id`,
      [sale, new Date(at), new Date(at + 3 * MINUTE), agent],
    );
    await setDisposition(db, rows[0]!.id, { code }, `agent:${agent}`, at + 4 * MINUTE);
    return rows[0]!.id;
  }
  const loopOf = async (sale: AttemptId) => (await listLoops(db, { attemptId: sale })).find((l) => l.attemptId === sale)!;
  const callbackState = async (id: string | null) => (await db.query<{ state: string; due_at: Date }>('SELECT state, due_at FROM callbacks WHERE id = $1', [id])).rows[0];

  it('a trial sale schedules its first confirmation call when the agent dispositions it, before any review', async () => {
    const [sale] = await connectedCalls(db, campaign, [{ agentId: 'ann', disposition: 'valid-sale', at: T, fields: TRIAL }]);
    const loop = await loopOf(sale!);
    expect(loop).toMatchObject({ kind: 'trial-confirmation', state: 'open', step: 1, stage: 'confirmation call 1 of 2 scheduled', results: ['confirmed', 'unreachable', 'suspended', 'wants-to-think', 'cancelled'] });
    expect(loop.history.map((h) => h.what)).toEqual(['trial sale dispositioned: confirmation call 1 of 2 scheduled']);
    expect(await callbackState(loop.callbackId)).toEqual({ state: 'scheduled', due_at: new Date(T + MINUTE + 5000 + DAY) });
    expect(loop.nextCallAt).toBe(new Date(T + MINUTE + 5000 + DAY).toISOString());
    // A sale without a trial product opens nothing.
    const [plain] = await connectedCalls(db, campaign, [{ agentId: 'ann', disposition: 'valid-sale', at: T + HOUR }]);
    expect(await listLoops(db, { attemptId: plain })).toEqual([]);
  });

  it('the confirmation calls\' own dispositions move the loop on: confirmed, unreachable (extended), a disposition of no result noted, confirmed again: closed', async () => {
    const [sale] = await connectedCalls(db, campaign, [{ agentId: 'bob', disposition: 'valid-sale', at: T + 2 * HOUR, fields: TRIAL }]);
    const first = await loopOf(sale!);
    await callAgain(sale!, 'cy', 'trial-confirmed', T + DAY + 3 * HOUR);
    const second = await loopOf(sale!);
    expect(second).toMatchObject({ state: 'open', step: 2, stage: 'confirmation call 2 of 2 scheduled' });
    expect((await callbackState(first.callbackId))!.state).toBe('done');
    expect(second.callbackId).not.toBe(first.callbackId);
    // Called before the second call is due: not this loop's call, nothing moves.
    await callAgain(sale!, 'cy', 'trial-confirmed', T + DAY + 4 * HOUR);
    expect((await loopOf(sale!)).step).toBe(2);
    await callAgain(sale!, 'cy', 'no-answer', T + 2 * DAY + 5 * HOUR);
    expect(await loopOf(sale!)).toMatchObject({ state: 'open', step: 2, extensions: 1, stage: expect.stringMatching(/^unreachable: trial extended 1 days/) });
    await callAgain(sale!, 'cy', 'not-target', T + 3 * DAY + 6 * HOUR);
    const noted = await loopOf(sale!);
    expect(noted).toMatchObject({ state: 'open', step: 2, extensions: 1 });
    expect(noted.history.at(-1)!.what).toMatch(/dispositioned not-target: no result of a trial-confirmation loop; record it by hand$/);
    await callAgain(sale!, 'cy', 'trial-confirmed', T + 3 * DAY + 7 * HOUR);
    const closed = await loopOf(sale!);
    expect(closed).toMatchObject({ state: 'closed', outcome: 'confirmed twice: the trial may be charged', nextCallAt: null });
    expect(closed.history.map((h) => h.by)).toEqual(['agent:bob', 'agent:cy', 'agent:cy', 'agent:cy', 'agent:cy']);
  });

  it('a failed review of a trial sale closes its confirmations; the corrective call\'s own disposition closes the corrective loop', async () => {
    const [sale] = await connectedCalls(db, campaign, [{ agentId: 'dee', disposition: 'valid-sale', at: T + 4 * HOUR, fields: TRIAL }]);
    const trial = await loopOf(sale!);
    await drawIntoQueue(db, CampaignId(campaign.id), { kind: 'day', start: '2026-11-23' }, 'test');
    await claimCall(db, sale!, 'qa', T + DAY);
    const card = await stockScorecard(db);
    const review = await submitReview(
      db,
      { attemptId: sale!, scorecardId: card.id, inspector: 'qa', answers: { 'right-party': true, 'able-to-understand': true, 'script-disclosure': true, 'explicit-consent': false, courtesy: 5 }, comments: [] },
      T + DAY,
    );
    expect(review.loops.map((l) => [l.kind, l.state])).toEqual([['corrective-callback', 'open'], ['trial-confirmation', 'closed']]);
    expect(review.loops[1]!.outcome).toBe('the sale failed review (Explicit spoken consent): not to be charged');
    expect((await callbackState(trial.callbackId))!.state).toBe('cancelled');
    const resold = await callAgain(sale!, 'eve', 'valid-sale', T + DAY + 3 * HOUR);
    const corrective = (await listLoops(db, { attemptId: sale! })).find((l) => l.kind === 'corrective-callback')!;
    expect(corrective).toMatchObject({ state: 'closed', outcome: 'corrected on the corrective call' });
    // The corrective call sold the trial again, properly this time: its own confirmations follow.
    expect((await listLoops(db, { attemptId: sale!, state: 'open' })).map((l) => [l.kind, l.attemptId])).toEqual([['trial-confirmation', resold]]);
  });

  it('a supervisor\'s correction moves the confirmations with the sale: kept through a sale\'s correction, closed when it is no longer a sale, opened when it is one again', async () => {
    const [sale] = await connectedCalls(db, campaign, [{ agentId: 'fay', disposition: 'valid-sale', at: T + 5 * HOUR, fields: TRIAL }]);
    const first = await loopOf(sale!);
    await correctDisposition(db, sale!, { code: 'valid-sale', note: 'price said twice' }, 'supervisor', T + 6 * HOUR);
    expect(await loopOf(sale!)).toMatchObject({ id: first.id, state: 'open', nextCallAt: first.nextCallAt });
    await correctDisposition(db, sale!, { code: 'refused' }, 'supervisor', T + 7 * HOUR);
    expect(await loopOf(sale!)).toMatchObject({ id: first.id, state: 'closed', outcome: 'the sale was corrected to refused: not to be charged' });
    expect((await callbackState(first.callbackId))!.state).toBe('cancelled');
    await correctDisposition(db, sale!, { code: 'valid-sale' }, 'supervisor', T + 8 * HOUR);
    const open = await listLoops(db, { attemptId: sale!, state: 'open' });
    expect(open).toEqual([expect.objectContaining({ kind: 'trial-confirmation', stage: 'confirmation call 1 of 2 scheduled', nextCallAt: new Date(T + 8 * HOUR + DAY).toISOString() })]);
  });
});
