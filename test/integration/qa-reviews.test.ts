/**
 * Quality inspection through the API on PostgreSQL: the QA plan, draws into
 * the review queue (reproducible, explained), claims (one inspector a call),
 * reviews on the stock valid-sale scorecard, the corrective loop a failed
 * sale opens (disposition corrected, callback scheduled, the corrective call
 * sampled and its review closing the loop), and a trial sale's confirmation calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import type { AttemptId } from '../../src/domain/ids.js';
import { DAY, HOUR, MINUTE } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import { drawEndedPeriods } from '../../src/qa/review-queue.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { connectedCalls } from '../support/connected-calls.js';
import { openIsolatedPostgres, postgresUrl } from '../support/databases.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const url = await postgresUrl();
const NOW = MONDAY_8AM_NEW_YORK + 5 * DAY;

describe.skipIf(!url)('quality inspection', () => {
  let db: Db;
  let t: TestApi;
  let campaign: Campaign;
  let calls: AttemptId[];
  let otherInspector: string;

  beforeAll(async () => {
    db = await openIsolatedPostgres(url!);
    await runMigrations(db);
    t = await startTestApi(db, NOW, 10);
    otherInspector = await createApiKey(db, { name: 'second inspector', role: 'qa' });
    campaign = await makeCampaign(db);
    // Monday to Friday, 8:00 to 16:00 in New York: three agents, a sale every fifth call.
    const week = Array.from({ length: 45 }, (_, i) => ({
      agentId: ['ann', 'bob', 'cy'][i % 3]!,
      disposition: i % 5 === 0 ? 'valid-sale' : 'refused',
      at: MONDAY_8AM_NEW_YORK + (i % 5) * DAY + Math.floor(i / 5) * HOUR,
    }));
    calls = await connectedCalls(db, campaign, week);
  });
  afterAll(async () => {
    await t?.api.close();
    await db?.close();
  });

  const inspector2 = (method: 'POST' | 'DELETE', path: string, payload?: object) =>
    t.api.inject({ method, url: `/api/v1${path}`, headers: { authorization: `Bearer ${otherInspector}` }, ...(payload ? { payload } : {}) });

  it('keeps a QA plan per campaign, validated with every problem named; an inspector changes no pacing, an agent sees nothing', async () => {
    expect((await t.call('GET', `/campaigns/${campaign.id}/qa-plan`, 'qa')).json().plan).toMatchObject({ weekly: { share: 0.05 }, minPerAgentPerWeek: 3 });
    const bad = await t.call('PUT', `/campaigns/${campaign.id}/qa-plan`, 'qa', { weekly: { share: 2, of: 'connected' }, corrective: { agent: 'nobody' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems.map((p: { field: string }) => p.field).sort()).toEqual(['body.corrective.agent', 'body.weekly.share']);
    const plan = { alwaysSample: ['valid-sale'], timeZone: 'America/New_York', corrective: { agent: 'same', afterHours: 4 } };
    expect((await t.call('PUT', `/campaigns/${campaign.id}/qa-plan`, 'qa', plan)).statusCode).toBe(200);
    expect((await t.call('PATCH', `/campaigns/${campaign.id}`, 'qa', { pacing: { abandonTarget: 0.02 } })).statusCode).toBe(403);
    expect((await t.call('GET', '/qa/queue', 'agent')).statusCode).toBe(403);
    expect((await t.call('GET', `/campaigns/${campaign.id}/qa-plan`, 'campaign-manager')).statusCode).toBe(403);
  });

  it('draws the day\'s and the week\'s samples into the queue, each call saying why; drawing again adds nothing', async () => {
    const day = await t.call('POST', `/campaigns/${campaign.id}/qa-sample`, 'qa', { day: '2026-11-23' });
    expect(day.statusCode).toBe(200);
    // Monday's 9 calls hold 9 / 5 sales... the calls i % 5 === 0 are all on Monday.
    expect(day.json()).toMatchObject({ draw: 'day:2026-11-23', calls: 9, added: 9 });
    expect(day.json().sampled.every((s: { reasons: string[] }) => s.reasons.includes('every valid-sale call is sampled'))).toBe(true);
    const week = (await t.call('POST', `/campaigns/${campaign.id}/qa-sample`, 'qa', { week: '2026-11-23' })).json();
    expect(week.calls).toBe(45);
    const again = (await t.call('POST', `/campaigns/${campaign.id}/qa-sample`, 'qa', { week: '2026-11-23' })).json();
    expect(again.added).toBe(0);
    expect(again.sampled.map((s: { attemptId: string }) => s.attemptId).sort()).toEqual(week.sampled.map((s: { attemptId: string }) => s.attemptId).sort());
    const queue = (await t.call('GET', `/qa/queue?campaignId=${campaign.id}`, 'qa')).json().calls as Array<{ agentId: string; reasons: string[] }>;
    for (const agent of ['ann', 'bob', 'cy']) expect(queue.filter((q) => q.agentId === agent).length).toBeGreaterThanOrEqual(3);
    expect(queue.every((q) => q.reasons.length > 0)).toBe(true);
    const refused = await t.call('POST', `/campaigns/${campaign.id}/qa-sample`, 'qa', { day: '2026-11-23', week: '2026-11-23' });
    expect(refused.statusCode).toBe(400);
  });

  it('lets one inspector claim a call: a second is refused until the first gives it back', async () => {
    const sale = calls[0]!;
    expect((await t.call('POST', `/qa/queue/${sale}/claim`, 'qa')).statusCode).toBe(200);
    const second = await inspector2('POST', `/qa/queue/${sale}/claim`);
    expect(second.statusCode).toBe(409);
    expect(second.json().message).toMatch(/claimed by qa user since .*two inspectors cannot review one call/);
    expect((await t.call('DELETE', `/qa/queue/${sale}/claim`, 'qa')).statusCode).toBe(204);
    expect((await inspector2('POST', `/qa/queue/${sale}/claim`)).statusCode).toBe(200);
    expect((await inspector2('DELETE', `/qa/queue/${sale}/claim`)).statusCode).toBe(204);
  });

  it('a sale failing a critical checkpoint is corrected to invalid-sale and called back by the same agent; the corrective call is sampled and its passing review closes the loop', async () => {
    const sale = calls[0]!;
    const call = (await t.call('GET', `/qa/calls/${sale}`, 'qa')).json();
    const card = call.scorecards.find((c: { card: { name: string } }) => c.card.name === 'valid sale');
    expect(card.card.criteria.filter((c: { critical: boolean }) => c.critical).map((c: { id: string }) => c.id)).toEqual(['right-party', 'able-to-understand', 'script-disclosure', 'explicit-consent']);
    await t.call('POST', `/qa/queue/${sale}/claim`, 'qa');
    const incomplete = await t.call('POST', '/qa/reviews', 'qa', { attemptId: sale, scorecardId: card.id, answers: { 'right-party': true, courtesy: 9 } });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json().problems.map((p: { field: string }) => p.field)).toEqual(['body.answers.able-to-understand', 'body.answers.script-disclosure', 'body.answers.explicit-consent', 'body.answers.courtesy']);
    const answers = { 'right-party': true, 'able-to-understand': true, 'script-disclosure': false, 'explicit-consent': true, courtesy: 5 };
    const submitted = await t.call('POST', '/qa/reviews', 'qa', { attemptId: sale, scorecardId: card.id, answers, comments: [{ atMs: 41_000, leg: 'agent', text: 'the end of the trial is never said' }] });
    expect(submitted.statusCode).toBe(201);
    expect(submitted.json()).toMatchObject({ passed: false, failedCritical: ['script-disclosure'], loops: [{ kind: 'corrective-callback', state: 'open', stage: 'corrective call scheduled with the same agent' }] });
    const attempt = (await t.call('GET', `/attempts/${sale}`, 'qa')).json().attempt;
    expect(attempt.disposition).toBe('invalid-sale');
    const callbacks = (await t.call('GET', `/callbacks?campaignId=${campaign.id}&state=scheduled`, 'qa')).json().callbacks;
    expect(callbacks).toEqual([expect.objectContaining({ leadId: attempt.leadId, agentId: 'ann', dueAt: new Date(NOW + 4 * HOUR).toISOString() })]);
    expect((await t.call('POST', `/qa/queue/${sale}/claim`, 'qa')).statusCode).toBe(409);

    // The corrective call, a day later, by ann: a sale again.
    const corrective = await db.query<{ id: AttemptId }>(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, answered_at, connected_at, ended_at, outcome, agent_id, disposition)
       SELECT lead_id, campaign_id, customer_id, phone, 'e', $2, $2, $2, $3, 'live', 'ann', 'valid-sale' FROM attempts WHERE id = $1 RETURNING id`,
      [sale, new Date(NOW + DAY), new Date(NOW + DAY + 3 * MINUTE)],
    );
    const correctiveId = corrective.rows[0]!.id;
    const drawn = (await t.call('POST', `/campaigns/${campaign.id}/qa-sample`, 'qa', { day: new Date(NOW + DAY).toISOString().slice(0, 10) })).json();
    expect(drawn.sampled.find((s: { attemptId: string }) => s.attemptId === correctiveId).reasons).toContain('a corrective call is held to the same rules as the sale it corrects: always reviewed');
    await t.call('POST', `/qa/queue/${correctiveId}/claim`, 'supervisor');
    const passed = await t.call('POST', '/qa/reviews', 'supervisor', { attemptId: correctiveId, scorecardId: card.id, answers: { ...answers, 'script-disclosure': true } });
    expect(passed.json()).toMatchObject({ passed: true, loops: [{ kind: 'corrective-callback', state: 'closed', outcome: 'corrected: the corrective call passed review' }] });
    expect((await t.call('GET', `/qa/loops?campaignId=${campaign.id}&state=open`, 'qa')).json().loops).toEqual([]);
  });

  it('a trial sale that passes gets two confirmation calls; unreachable extends the trial; two confirmations close the loop', async () => {
    const sale = calls[5]!;
    await db.query(`UPDATE leads SET custom_fields = '{"trialProduct": "music-30"}' WHERE id = (SELECT lead_id FROM attempts WHERE id = $1)`, [sale]);
    const card = (await t.call('GET', `/campaigns/${campaign.id}/scorecards`, 'qa')).json().scorecards[0];
    await t.call('POST', `/qa/queue/${sale}/claim`, 'qa');
    const review = (await t.call('POST', '/qa/reviews', 'qa', { attemptId: sale, scorecardId: card.id, answers: { 'right-party': true, 'able-to-understand': true, 'script-disclosure': true, 'explicit-consent': true, courtesy: 4 } })).json();
    expect(review.passed).toBe(true);
    expect(review.score).toBeCloseTo(8.8 / 9);
    const [loop] = review.loops;
    expect(loop).toMatchObject({ kind: 'trial-confirmation', stage: 'confirmation call 1 of 2 scheduled', step: 1 });
    const result = async (r: string) => t.call('POST', `/qa/loops/${loop.id}/result`, 'qa', { result: r });
    expect((await result('corrected')).json()).toMatchObject({ error: 'validation', field: 'result' });
    const extended = (await result('unreachable')).json().loop;
    expect(extended).toMatchObject({ step: 1, extensions: 1, trialEndsAt: new Date(NOW + 7 * DAY).toISOString(), stage: expect.stringMatching(/^unreachable: trial extended 7 days \(extension 1 of 2\)/) });
    expect((await result('confirmed')).json().loop).toMatchObject({ step: 2, stage: 'confirmation call 2 of 2 scheduled', state: 'open' });
    const closed = (await result('confirmed')).json().loop;
    expect(closed).toMatchObject({ state: 'closed', outcome: 'confirmed twice: the trial may be charged' });
    expect(closed.history.map((h: { what: string }) => h.what)).toHaveLength(4);
    expect((await result('confirmed')).statusCode).toBe(409);
  });

  it('reports per agent and week (monitored against the minimum, score, failures by criterion, time to feedback) and per campaign, as JSON and CSV', async () => {
    const rows = (await t.call('GET', `/qa/reports/agents?campaignId=${campaign.id}&from=2026-11-23&to=2026-11-28`, 'qa')).json().rows;
    const ann = rows.find((r: { agentId: string }) => r.agentId === 'ann');
    expect(ann).toMatchObject({ week: '2026-11-23', callsMade: 15, monitored: 1, minimum: 3, belowMinimum: true, failures: { 'script-disclosure': 1 }, passRate: 0 });
    // Called on Monday 08:01, reviewed on Saturday 08:00 (the API's clock).
    expect(ann.feedbackHours).toBeCloseTo((NOW - (MONDAY_8AM_NEW_YORK + MINUTE)) / HOUR, 1);
    expect(ann.feedbackWithin24h).toBe(0);
    const csv = await t.call('GET', `/qa/reports/agents.csv?campaignId=${campaign.id}&from=2026-11-23&to=2026-11-28`, 'qa');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('agentId,week,callsMade,monitored,minimum,belowMinimum,averageScore,passRate,failures,feedbackHours,feedbackWithin24h');
    expect(lines.find((l: string) => l.startsWith('ann,'))).toMatch(/^ann,2026-11-23,15,1,3,true,.*,0,script-disclosure=1,/);
    const [report] = (await t.call('GET', `/qa/reports/campaigns?campaignId=${campaign.id}`, 'qa')).json().rows;
    expect(report).toMatchObject({ campaignId: campaign.id, connectedCalls: 46, reviewed: 3, openLoops: 0, closedLoops: 2 });
    expect(report.sampledShare).toBeCloseTo(report.sampled / 46);
    expect((await t.call('GET', '/qa/reports/campaigns.csv', 'agent')).statusCode).toBe(403);
  });

  it('an engine\'s hourly draw takes the day and the week just ended in the plan\'s time zone, and adds nothing drawn again', async () => {
    const other = await makeCampaign(db);
    await connectedCalls(db, other, [{ agentId: 'dee', disposition: 'refused', at: MONDAY_8AM_NEW_YORK }]);
    await t.call('PUT', `/campaigns/${other.id}/qa-plan`, 'qa', { timeZone: 'America/New_York' });
    // Tuesday 00:30 in New York (05:30 UTC): Monday has ended there, and the week before.
    const tuesday = Date.parse('2026-11-24T05:30:00Z');
    const drawn = await drawEndedPeriods(db, other.id, tuesday);
    expect(drawn.map((d) => [d.draw, d.calls])).toEqual([['day:2026-11-23', 1], ['week:2026-11-16', 0]]);
    expect((await drawEndedPeriods(db, other.id, tuesday)).map((d) => d.added)).toEqual([0, 0]);
    // The next Monday: the week of the 23rd has ended, and its draw takes dee's one call (5% of 1, and dee's minimum).
    const week = await drawEndedPeriods(db, other.id, Date.parse('2026-11-30T15:00:00Z'));
    expect(week.map((d) => [d.draw, d.calls, d.added])).toEqual([['day:2026-11-29', 0, 0], ['week:2026-11-23', 1, 1]]);
  });
});
