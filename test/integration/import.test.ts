import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { startImport } from '../../src/campaigns/import/import-leads.js';
import { listRejections } from '../../src/campaigns/import/import-store.js';
import type { ColumnMapping } from '../../src/campaigns/import/mapping.js';
import { addNumberListEntries } from '../../src/campaigns/number-lists.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { emptyTables, makeCampaign } from '../support/fixtures.js';

const MAPPING: ColumnMapping = { phone: 'phone', timeZone: 'tz', defaultCountry: 'US' };

describe.each(await testDatabases())('importing a lead file on $kind', ({ open }) => {
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

  const run = async (content: string | Buffer, mapping: ColumnMapping = MAPPING, listName = 'main') => {
    const started = await startImport(
      db,
      { campaignId: campaign.id, listName, fileName: 'leads.csv', mapping, actor: 'test', batchSize: 3 },
      Readable.from([typeof content === 'string' ? Buffer.from(content) : content]),
    );
    const status = await started.finished;
    const rejections = await listRejections(db, started.importId, 100, 0);
    return { status, rejections };
  };

  it('normalises numbers to E.164, keeps custom fields and reports each bad row with its line', async () => {
    const file = [
      'phone,tz,name,plan',
      '(202) 555-0143,America/New_York,Ann,gold',
      '+44 20 7123 4567,,Bob,silver',
      '12345,America/Chicago,Cy,gold',
      ',America/Chicago,Di,gold',
      '+12025550199,Mars/Olympus,Ed,gold',
      '+12025550111,America/Chicago,Fay',
      '+13125550100,,Gus,gold',
    ].join('\n');
    const { status, rejections } = await run(file);
    expect(status).toMatchObject({ state: 'done', rowsRead: 7, rowsImported: 2, rowsRejected: 5, rowsUnchanged: 0 });
    expect(rejections.map((r) => r.row)).toEqual([4, 5, 6, 7, 8]);
    expect(rejections[0]!.reason).toMatch(/"12345" is not a valid phone number/);
    expect(rejections[1]!.reason).toMatch(/no phone number/);
    expect(rejections[2]!.reason).toMatch(/"Mars\/Olympus" is not an IANA time zone/);
    expect(rejections[3]!.reason).toMatch(/has 3 fields where the header has 4/);
    expect(rejections[4]!.reason).toMatch(/cannot be told from the number/);
    const leads = await db.query('SELECT phone, time_zone, custom_fields FROM leads ORDER BY source_row');
    expect(leads.rows).toEqual([
      { phone: '+12025550143', time_zone: 'America/New_York', custom_fields: { name: 'Ann', plan: 'gold' } },
      { phone: '+442071234567', time_zone: 'Europe/London', custom_fields: { name: 'Bob', plan: 'silver' } },
    ]);
  });

  it('rejects rows that are not UTF-8', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('phone,tz,name\n+12025550143,America/New_York,'),
      Buffer.from([0x4a, 0xf6, 0x72, 0x67]), // "Jörg" in Latin-1
      Buffer.from('\n+12025550144,America/New_York,Ann\n'),
    ]);
    const { status, rejections } = await run(latin1);
    expect(status).toMatchObject({ rowsImported: 1, rowsRejected: 1 });
    expect(rejections).toEqual([{ row: 2, reason: expect.stringMatching(/not valid UTF-8/) }]);
  });

  it('skips duplicates within the file and numbers on the do-not-call list, naming them', async () => {
    await addNumberListEntries(db, [{ phone: '+12025550100', color: 'black', category: 'opt-out', source: 'api' }], 'test');
    const file = 'phone,tz\n+12025550143,America/New_York\n202-555-0100,America/New_York\n(202) 555-0143,America/New_York\n';
    const { status, rejections } = await run(file);
    expect(status).toMatchObject({ rowsImported: 1, rowsRejected: 2 });
    expect(rejections).toEqual([
      { row: 3, reason: '+12025550100 is on the do-not-call list' },
      { row: 4, reason: '+12025550143 duplicates line 2' },
    ]);
  });

  it('changes nothing when the same file is imported again', async () => {
    const file = 'phone,tz\n+12025550143,America/New_York\n+12025550144,America/New_York\nbad,America/New_York\n';
    await run(file);
    const before = await db.query('SELECT id, phone, state FROM leads ORDER BY phone');
    const { status } = await run(file);
    expect(status).toMatchObject({ state: 'done', rowsImported: 0, rowsUnchanged: 2, rowsRejected: 1 });
    expect((await db.query('SELECT id, phone, state FROM leads ORDER BY phone')).rows).toEqual(before.rows);
  });

  it('fails the import with a clear message when a mapped column is missing', async () => {
    const { status } = await run('number,tz\n+12025550143,America/New_York\n');
    expect(status.state).toBe('failed');
    expect(status.error).toBe('the phone column "phone" is not in the file\'s header (it has: number, tz)');
  });

  it('links every lead to one customer per number across lists', async () => {
    await run('phone,tz\n+12025550143,America/New_York\n', MAPPING, 'first');
    await run('phone,tz\n+1 202 555 0143,America/New_York\n', MAPPING, 'second');
    const customers = await db.query<{ n: number }>('SELECT count(DISTINCT customer_id)::int AS n FROM leads');
    expect(customers.rows[0]!.n).toBe(1);
  });
});
