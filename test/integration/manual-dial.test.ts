import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAttempt } from '../../src/campaigns/attempts.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { claimManualDial, MANUAL_LIST } from '../../src/campaigns/dialing/manual-dial.js';
import { addNumberListEntries } from '../../src/campaigns/number-lists.js';
import { AgentId } from '../../src/domain/ids.js';
import { HOUR, SECOND } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ALICE = AgentId('alice');

describe.each(await testDatabases())('dialing by hand on $kind', ({ open }) => {
  let db: Db;
  let us: Campaign;
  let uk: Campaign;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());
  beforeEach(async () => {
    await emptyTables(db);
    us = await makeCampaign(db);
    uk = await makeCampaign(db, { complianceProfile: 'uk' });
  });

  const dial = (campaign: Campaign, phone: string, now = T0) =>
    claimManualDial(db, { campaign, phone, agentId: ALICE, engineId: 'e', leaseMs: 30 * SECOND, now });

  it('finds the campaign\'s lead for a national number, claims it, and lets the attempt be written', async () => {
    const ids = await addLeads(db, us, [{ phone: '+12025550111' }]);
    const verdict = await dial(us, '(202) 555-0111');
    expect(verdict).toEqual({ lead: { id: ids.get('+12025550111'), number: '+12025550111' } });
    if (!('lead' in verdict)) return;
    await expect(startAttempt(db, { leadId: verdict.lead.id, engineId: 'e', now: T0 })).resolves.toEqual(expect.any(String));
  });

  it('reads a US number in the time zone of its area, as an import does', async () => {
    expect(await dial(us, '+13125550199')).toHaveProperty('lead');
    const { rows } = await db.query<{ time_zone: string }>('SELECT time_zone FROM leads WHERE phone = $1', ['+13125550199']);
    expect(rows).toEqual([{ time_zone: 'America/Chicago' }]);
  });

  it('adds a number the campaign does not have to its manual list, with the time zone of its country', async () => {
    const verdict = await dial(uk, '020 7946 0018');
    expect(verdict).toMatchObject({ lead: { number: '+442079460018' } });
    const { rows } = await db.query<{ name: string; time_zone: string; state: string }>(
      'SELECT li.name, l.time_zone, l.state FROM leads l JOIN lists li ON li.id = l.list_id WHERE l.phone = $1',
      ['+442079460018'],
    );
    expect(rows).toEqual([{ name: MANUAL_LIST, time_zone: 'Europe/London', state: 'claimed' }]);
  });

  it('refuses with the rule that refused: the number, its time zone, the black list, the calling window, a call in flight', async () => {
    expect(await dial(us, '12345')).toMatchObject({ rule: 'number', refused: expect.stringMatching(/not a valid phone number for US/) });
    // A US toll-free number's time zone cannot be told from the number alone; a premium-rate number is never dialed.
    expect(await dial(us, '+18005550199')).toMatchObject({ rule: 'time-zone' });
    expect(await dial(us, '+19005550199')).toMatchObject({ rule: 'number', refused: expect.stringMatching(/premium-rate/) });
    await addNumberListEntries(db, [{ phone: '+442079460019', color: 'black', category: 'opt-out', source: 'api' }], 'test');
    expect(await dial(uk, '+442079460019')).toMatchObject({ rule: 'do-not-call' });
    await addLeads(db, us, [{ phone: '+12025550112' }]);
    const sixInTheMorning = MONDAY_8AM_NEW_YORK - 2 * HOUR;
    expect(await dial(us, '+12025550112', sixInTheMorning)).toMatchObject({ rule: 'outside-calling-window' });
    expect(await dial(us, '+12025550112')).toHaveProperty('lead');
    expect(await dial(us, '+12025550112')).toMatchObject({ rule: 'in-flight' });
  });
});
