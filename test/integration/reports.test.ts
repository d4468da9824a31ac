/**
 * Reports by hour, day and week in the zone asked for: a New York morning's
 * calls fall in New York's hours (and in other hours in London), agent time
 * splits at the hour, list quality says which list to stop buying, the
 * client's week counts complaints; CSV as well as JSON; agents get none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { createList, insertLeads } from '../../src/campaigns/leads.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId, E164 } from '../../src/domain/ids.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { makeCampaign } from '../support/fixtures.js';

/** 2026-12-07 09:00 in New York (UTC-5). */
const NINE_NY = Date.UTC(2026, 11, 7, 14);
const MIN = 60_000;
const iso = (at: number) => new Date(at).toISOString();

describe.each(await testDatabases())('reports on $kind', ({ open }) => {
  let db: Db;
  let api: Api;
  let campaign: Campaign;
  const keys = { supervisor: '', agent: '' };

  beforeAll(async () => {
    db = await open();
    const clock = { now: () => NINE_NY + 3 * 60 * MIN };
    api = await buildApi({ db, coordination: memoryCoordination(clock), clock });
    await upsertAgent(db, { id: AgentId('ann'), name: 'Ann', redList: false });
    keys.supervisor = await createApiKey(db, { name: 'sue', role: 'supervisor' });
    keys.agent = await createApiKey(db, { name: 'ann', role: 'agent', agentId: AgentId('ann') });
    campaign = await makeCampaign(db);
    const good = await createList(db, campaign.id, 'good list', 'broker-a');
    const bad = await createList(db, campaign.id, 'bad list', 'broker-b');
    await insertLeads(db, good, ['+12025550101', '+12025550102', '+12025550103'].map((phone) => ({ phone: E164(phone), timeZone: 'America/New_York' })));
    await insertLeads(db, bad, ['+12025550201', '+12025550202'].map((phone) => ({ phone: E164(phone), timeZone: 'America/New_York' })));
    // phone, start (minutes after 9:00 New York), outcome, connected for (minutes), disposition, hangup cause, abandoned
    const calls: [string, number, string, number | null, string | null, number, boolean][] = [
      ['+12025550101', 5, 'live', 10, 'valid-sale', 16, false],
      ['+12025550102', 20, 'live', 4, 'refused', 16, false],
      ['+12025550103', 50, 'live', null, null, 16, true],
      ['+12025550201', 70, 'invalid-number', null, null, 1, false],
      ['+12025550202', 75, 'live', 2, 'wrong-party', 16, false],
      ['+12025550202', 80, 'machine', null, null, 16, false],
    ];
    for (const [phone, start, outcome, talk, disposition, cause, abandoned] of calls) {
      const at = NINE_NY + start * MIN;
      await db.query(
        `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, answered_at, connected_at, ended_at, outcome, abandoned, hangup_cause_code, agent_id, disposition)
         SELECT l.id, l.campaign_id, l.customer_id, l.phone, 'e', $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM leads l WHERE l.phone = $1`,
        [phone, new Date(at), outcome === 'live' || outcome === 'machine' ? new Date(at + 10_000) : null, talk === null ? null : new Date(at + 20_000),
          new Date(at + 20_000 + (talk ?? 0) * MIN), outcome, abandoned, cause, talk === null ? null : 'ann', disposition],
      );
    }
    // Ann: ready 9:00, on a call 9:05-9:15, wrap-up to 9:20, ready, paused 9:40-10:10, logged out 10:30.
    const states: [string, number][] = [['ready', 0], ['on-call', 5], ['wrap-up', 15], ['ready', 20], ['paused', 40], ['ready', 70], ['logged-out', 90]];
    for (const [state, minute] of states) {
      await db.query(`INSERT INTO agent_states (agent_id, campaign_ids, from_state, to_state, at) VALUES ('ann', $1, 'x', $2, $3)`, [[campaign.id], state, new Date(NINE_NY + minute * MIN)]);
    }
    await db.query(`INSERT INTO number_lists (phone, color, category, source, created_at) VALUES ('+12025550102', 'black', 'complaint', 'test', $1)`, [new Date(NINE_NY + 60 * MIN)]);
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });

  const get = (url: string, who: keyof typeof keys = 'supervisor') => api.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${keys[who]}` } });
  const window = `from=${iso(NINE_NY - 60 * MIN)}&to=${iso(NINE_NY + 180 * MIN)}`;

  it("counts each hour of the zone asked for, with the agents' time split at the hour", async () => {
    const answer = await get(`/reports/activity?campaignId=${campaign.id}&by=hour&timeZone=America/New_York&${window}`);
    expect(answer.statusCode).toBe(200);
    const { rows, timeZone } = answer.json();
    expect(timeZone).toBe('America/New_York');
    expect(rows.map((r: { period: string }) => r.period)).toEqual(['2026-12-07 09:00', '2026-12-07 10:00']);
    const [nine, ten] = rows;
    expect(nine).toMatchObject({
      timeZone: 'America/New_York', periodStart: '2026-12-07T09:00:00-05:00', dials: 3, liveAnswers: 3, connects: 2, abandons: 1, machines: 0,
      talkSeconds: 14 * 60, wrapUpSeconds: 5 * 60, idleSeconds: 25 * 60, pausedSeconds: 20 * 60, sales: 1, rightPartyContacts: 2,
      dispositions: { 'valid-sale': 1, refused: 1 },
    });
    expect(nine.abandonRate).toBeCloseTo(1 / 3);
    expect(nine.occupancy).toBeCloseTo(15 / 60);
    expect(nine.salesPerAgentHour).toBeCloseTo(1);
    expect(ten).toMatchObject({ periodStart: '2026-12-07T10:00:00-05:00', dials: 3, machines: 1, idleSeconds: 20 * 60, pausedSeconds: 10 * 60 });
    // The same calls in London's hours: 14:00 and 15:00.
    const london = (await get(`/reports/activity?campaignId=${campaign.id}&by=hour&timeZone=Europe/London&${window}`)).json();
    expect(london.rows.map((r: { periodStart: string }) => r.periodStart)).toEqual(['2026-12-07T14:00:00+00:00', '2026-12-07T15:00:00+00:00']);
  });

  it('by agent and by list source, by day and week', async () => {
    const byAgent = (await get(`/reports/activity?campaignId=${campaign.id}&by=day&dimension=agent&timeZone=America/New_York&${window}`)).json();
    expect(byAgent.rows.find((r: { key: string }) => r.key === 'ann')).toMatchObject({ period: '2026-12-07 00:00', sales: 1, talkSeconds: 16 * 60 });
    const bySource = (await get(`/reports/activity?campaignId=${campaign.id}&by=week&dimension=source&timeZone=America/New_York&${window}`)).json();
    expect(bySource.rows.map((r: { key: string; dials: number; period: string }) => [r.period, r.key, r.dials])).toEqual([
      ['2026-12-07 00:00', 'broker-a', 3],
      ['2026-12-07 00:00', 'broker-b', 3],
    ]);
  });

  it('says which list to stop buying, and gives the client their week, as CSV too', async () => {
    const quality = (await get(`/reports/list-quality?campaignId=${campaign.id}&timeZone=America/New_York&${window}`)).json();
    expect(quality.rows).toEqual([
      expect.objectContaining({ source: 'broker-a', list: 'good list', numbersDialed: 3, vacant: 0, rightParty: 2 }),
      expect.objectContaining({ source: 'broker-b', list: 'bad list', numbersDialed: 2, dials: 3, vacant: 1, wrongParty: 1, machines: 1, rightParty: 0, invalidShare: 0.5 }),
    ]);
    const week = (await get(`/reports/client-week?campaignId=${campaign.id}&timeZone=America/New_York&${window}`)).json();
    expect(week.rows).toEqual([expect.objectContaining({ week: '2026-12-07', weekStart: '2026-12-07T00:00:00-05:00', dials: 6, connects: 3, validContacts: 2, sales: 1, complaints: 1 })]);
    const csv = await get(`/reports/activity?campaignId=${campaign.id}&by=hour&timeZone=America/New_York&format=csv&${window}`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, first] = csv.body.trim().split('\n');
    expect(header!.split(',').slice(0, 4)).toEqual(['timeZone', 'period', 'periodStart', 'key']);
    expect(header).toContain('disposition:valid-sale');
    expect(first).toMatch(/^America\/New_York,2026-12-07 09:00,2026-12-07T09:00:00-05:00,/);
  });

  it('refuses an unknown zone by name, and gives agents nothing', async () => {
    const bad = await get(`/reports/activity?timeZone=Mars/Olympus`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/timeZone: an IANA time zone/);
    expect((await get(`/reports/activity?timeZone=UTC`, 'agent')).statusCode).toBe(403);
  });
});
