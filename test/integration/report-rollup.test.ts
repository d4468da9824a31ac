/**
 * The reports read from the attempts' rollup give the figures they give from
 * the attempts alone: every dimension and period, in whole-hour zones, in
 * India (+5:30) and Nepal (+5:45), whose hours straddle UTC hours, and across
 * a daylight-saving change; spans that cut a quarter hour; attempts changed
 * after the roll-up (a corrected disposition, a call ending, one deleted)
 * before the next catch-up and after it. The rollup is really read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { createList, insertLeads } from '../../src/campaigns/leads.js';
import { AgentId, CampaignId, E164 } from '../../src/domain/ids.js';
import { catchUpRollup } from '../../src/reports/rollup.js';
import { activityReport, clientWeekReport, REPORT_DIMENSIONS, REPORT_PERIODS } from '../../src/reports/reports.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { makeCampaign } from '../support/fixtures.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
/** Ten days around New York's and London's end of daylight saving time (1 November 2026, 25 October). */
const START = Date.UTC(2026, 9, 24, 3, 7);
const END = START + 10 * DAY;
const ZONES = ['America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Europe/London', 'UTC'];
/** Spans that start and end inside a quarter hour, and one on whole quarter hours. */
const SPANS = [
  { from: START + 37 * MIN + 11_000, to: END - 3 * MIN },
  { from: START + 8 * MIN, to: START + 3 * DAY + 8 * MIN },
  { from: START + 4 * DAY + 7 * MIN, to: START + 4 * DAY + 11 * MIN },
];

describe.each(await testDatabases())('the reports over their rollup on $kind', ({ open }) => {
  let db: Db;
  let campaignIds: CampaignId[];

  beforeAll(async () => {
    db = await open();
    for (const id of ['ann', 'bob', 'cat']) await upsertAgent(db, { id: AgentId(id), name: id, redList: false });
    campaignIds = [];
    for (let c = 0; c < 2; c++) {
      const campaign = await makeCampaign(db);
      campaignIds.push(campaign.id);
      for (const [l, source] of ['broker-a', 'broker-b', null].entries()) {
        const list = await createList(db, campaign.id, `list ${l}`, source ?? undefined);
        await insertLeads(db, list, Array.from({ length: 20 }, (_, i) => ({ phone: E164(`+1202${c}${l}${String(i).padStart(5, '0')}`), timeZone: 'America/New_York' })));
      }
    }
    // 3,000 attempts at odd seconds over the ten days: outcomes, agents, dispositions and talk drawn from a hash;
    // some still in progress, some connected and not yet dispositioned.
    await db.query(
      `WITH l AS (SELECT id, campaign_id, customer_id, phone, row_number() OVER (ORDER BY phone) - 1 AS n FROM leads),
            a AS (SELECT i, to_timestamp(($1::float8 + ($2::float8 - $1::float8) * i / 3000 + (hashint4(i) & 255) * 1000) / 1000) AS at,
                         hashint4(i * 7) & 1023 AS r FROM generate_series(0, 2999) i)
       INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, answered_at, connected_at, ended_at, outcome, abandoned, agent_id, disposition)
       SELECT l.id, l.campaign_id, l.customer_id, l.phone, 'e', a.at,
              CASE WHEN a.r < 500 THEN a.at + interval '7 s' END,
              CASE WHEN a.r < 350 AND a.r >= 30 THEN a.at + interval '8.25 s' END,
              CASE WHEN a.r % 97 = 5 THEN NULL ELSE a.at + make_interval(secs => 20 + (a.r * 13) % 900 + 0.125) END,
              CASE WHEN a.r % 97 = 5 THEN NULL WHEN a.r < 400 THEN 'live' WHEN a.r < 500 THEN 'machine' WHEN a.r < 900 THEN 'no-answer' ELSE 'busy' END,
              a.r < 30,
              CASE WHEN a.r < 350 AND a.r >= 30 THEN (ARRAY['ann', 'bob', 'cat'])[1 + a.i % 3] END,
              CASE WHEN a.r < 330 AND a.r >= 30 THEN (ARRAY['valid-sale', 'refused', 'wrong-party', 'appointment', 'vacant'])[1 + a.r % 5] END
         FROM a JOIN l ON l.n = a.i % 120`,
      [START, END],
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  async function expectSameFigures() {
    for (const timeZone of ZONES) {
      for (const span of SPANS) {
        for (const campaignId of [campaignIds[0], undefined]) {
          const r = { ...span, timeZone, campaignId };
          for (const dimension of REPORT_DIMENSIONS) {
            for (const by of REPORT_PERIODS) {
              const fromRollup = await activityReport(db, dimension, { ...r, by });
              expect(fromRollup, `${dimension} by ${by} in ${timeZone}`).toEqual(await activityReport(db, dimension, { ...r, by, rollup: false }));
            }
          }
          expect(await clientWeekReport(db, r), `client week in ${timeZone}`).toEqual(await clientWeekReport(db, { ...r, rollup: false }));
        }
      }
    }
  }

  const count = async (table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

  it('gives the same figures rolled up as from the attempts, in every zone, dimension and period', async () => {
    expect(await catchUpRollup(db)).toBeGreaterThan(500);
    expect(await count('attempt_rollup_stale')).toBe(0);
    expect(await count('attempt_rollup')).toBeGreaterThan(0);
    await expectSameFigures();
  }, 120_000);

  it('stays exact when attempts change after the roll-up, before the catch-up and after it', async () => {
    // A disposition corrected days later, a call in progress ending, an attempt deleted, one added into an old quarter hour.
    await db.query(`UPDATE attempts SET disposition = 'valid-sale' WHERE id = (SELECT id FROM attempts WHERE disposition = 'refused' ORDER BY originated_at LIMIT 1)`);
    await db.query(`UPDATE attempts SET ended_at = originated_at + interval '95.5 s', outcome = 'live' WHERE id = (SELECT id FROM attempts WHERE ended_at IS NULL ORDER BY originated_at LIMIT 1)`);
    await db.query('DELETE FROM attempts WHERE id = (SELECT id FROM attempts ORDER BY originated_at DESC OFFSET 100 LIMIT 1)');
    await db.query(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, ended_at, outcome)
       SELECT id, campaign_id, customer_id, phone, 'late', $1, $2, 'busy' FROM leads LIMIT 1`,
      [new Date(START + 2 * DAY + 5 * MIN), new Date(START + 2 * DAY + 6 * MIN)],
    );
    expect(await count('attempt_rollup_stale')).toBe(4);
    await expectSameFigures();
    expect(await catchUpRollup(db)).toBeGreaterThan(0);
    expect(await count('attempt_rollup_stale')).toBe(0);
    await expectSameFigures();
  }, 120_000);

  it('reads the rollup for the quarter hours it holds', async () => {
    const r = { ...SPANS[0]!, timeZone: 'UTC', by: 'day' as const, campaignId: campaignIds[0] };
    const before = await activityReport(db, 'campaign', r);
    await db.query(`UPDATE attempt_rollup SET dials = dials + 1000 WHERE dimension = 'campaign' AND campaign_id = $1 AND bucket = (SELECT min(bucket) FROM attempt_rollup WHERE campaign_id = $1 AND bucket > $2)`, [campaignIds[0], new Date(START + DAY)]);
    const after = await activityReport(db, 'campaign', r);
    expect(after.reduce((n, row) => n + row.dials, 0)).toBe(before.reduce((n, row) => n + row.dials, 0) + 1000);
  });
});
