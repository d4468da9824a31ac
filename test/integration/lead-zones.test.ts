/**
 * Every path that makes or changes a lead keeps every time zone its number may
 * be in, as the import does: a lead is called only while the window is open in
 * all of them (docs/compliance.md). +1 208 is Idaho: Boise and Los Angeles.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { correctLead, leadCorrectionSchema } from '../../src/agents/lead-correction.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { claimManualDial } from '../../src/campaigns/dialing/manual-dial.js';
import { AgentId, CampaignId, type AttemptId, type LeadId } from '../../src/domain/ids.js';
import { SECOND } from '../../src/domain/time.js';
import { recordHandover } from '../../src/ivr/handover.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign } from '../support/fixtures.js';

// A winter Tuesday: Boise is UTC-7, Los Angeles UTC-8. The US window is 08:00-21:00.
const BOTH_OPEN = Date.parse('2026-01-13T16:30:00Z'); // 09:30 Boise, 08:30 Los Angeles
const ONLY_BOISE_OPEN = Date.parse('2026-01-13T15:30:00Z'); // 08:30 Boise, 07:30 Los Angeles
const IDAHO = '+12085551234';

describe.each(await testDatabases())('the time zones of a lead on $kind', ({ open }) => {
  let db: Db;
  let campaign: Campaign;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());
  beforeEach(async () => {
    await emptyTables(db);
    campaign = await makeCampaign(db);
  });

  const zonesOf = async (where: string, value: string) =>
    (await db.query<{ time_zone: string; other_time_zones: string[] | null }>(`SELECT time_zone, other_time_zones FROM leads WHERE ${where} = $1`, [value]))
      .rows;

  /** An attempt on the lead, as written before its originate. */
  const attemptOn = async (leadId: LeadId): Promise<AttemptId> => {
    const { rows } = await db.query<{ id: AttemptId }>(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at)
       SELECT id, campaign_id, customer_id, phone, 'e', now() FROM leads WHERE id = $1 RETURNING id`,
      [leadId],
    );
    return rows[0]!.id;
  };

  it('hands a broadcast caller over to the agent campaign with every zone of the number', async () => {
    const broadcast = await makeCampaign(db, { type: 'broadcast' });
    const leadId = (await addLeads(db, broadcast, [{ phone: IDAHO, timeZone: 'America/Boise' }])).get(IDAHO)!;
    await db.query(`UPDATE leads SET other_time_zones = '{America/Los_Angeles}' WHERE id = $1`, [leadId]);
    const handedOver = await recordHandover(db, {
      agentCampaignId: CampaignId(campaign.id),
      broadcastAttemptId: await attemptOn(leadId),
      engineId: 'e',
      at: BOTH_OPEN,
    });
    expect(await zonesOf('id', handedOver)).toEqual([{ time_zone: 'America/Boise', other_time_zones: ['America/Los_Angeles'] }]);
  });

  it('dials by hand a US number without a zone, with the zones of its area, only while the window is open in all', async () => {
    const dial = (phone: string, now: number) => claimManualDial(db, { campaign, phone, agentId: AgentId('alice'), engineId: 'e', leaseMs: 30 * SECOND, now });
    expect(await dial('(208) 555-1234', ONLY_BOISE_OPEN)).toMatchObject({ rule: 'outside-calling-window' });
    expect(await zonesOf('phone', IDAHO)).toEqual([{ time_zone: 'America/Boise', other_time_zones: ['America/Los_Angeles'] }]);
    expect(await dial('(208) 555-1234', BOTH_OPEN)).toMatchObject({ lead: { number: IDAHO } });
    expect(await dial('+1 312 555 0199', BOTH_OPEN)).toMatchObject({ lead: { number: '+13125550199' } });
    expect(await zonesOf('phone', '+13125550199')).toEqual([{ time_zone: 'America/Chicago', other_time_zones: null }]);
    // A toll-free number has no area: its zone still cannot be told.
    expect(await dial('+1 800 275 2273', BOTH_OPEN)).toMatchObject({ rule: 'time-zone' });
  });

  it('recomputes the zones when an agent corrects the number, and adds the zone of a corrected address', async () => {
    const leadId = (await addLeads(db, campaign, [{ phone: '+12025550111' }])).get('+12025550111')!;
    const attemptId = await attemptOn(leadId);
    await correctLead(db, attemptId, { phone: '(208) 555-1234' }, 'agent:alice');
    expect(await zonesOf('id', leadId)).toEqual([{ time_zone: 'America/Boise', other_time_zones: ['America/Los_Angeles'] }]);
    await correctLead(db, attemptId, { phone: '312 555 0199' }, 'agent:alice');
    expect(await zonesOf('id', leadId)).toEqual([{ time_zone: 'America/Chicago', other_time_zones: null }]);
    // The address says Denver: the lead may be there or in its number's area, and is called only when both are open.
    await correctLead(db, attemptId, { fields: { address: '1 Main St, Denver CO' }, timeZone: 'America/Denver' }, 'agent:alice');
    expect(await zonesOf('id', leadId)).toEqual([{ time_zone: 'America/Denver', other_time_zones: ['America/Chicago'] }]);
    const audited = await db.query<{ details: { after: Record<string, unknown> } }>(
      `SELECT details FROM audit_log WHERE action = 'correct' ORDER BY id DESC LIMIT 1`,
    );
    expect(audited.rows[0]!.details.after).toMatchObject({ timeZones: ['America/Denver', 'America/Chicago'] });
    const refused = leadCorrectionSchema.safeParse({ timeZone: 'Mars/Olympus' });
    expect(refused.error?.issues).toMatchObject([{ path: ['timeZone'], message: expect.stringMatching(/not an IANA time zone/) }]);
  });
});
