import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { startImport } from '../../src/campaigns/import/import-leads.js';
import { getImportStatus, interruptDeadImports, listRejections } from '../../src/campaigns/import/import-store.js';
import { explainHopper } from '../../src/campaigns/hopper/explain.js';
import type { ColumnMapping } from '../../src/campaigns/import/mapping.js';
import { addNumberListEntries } from '../../src/campaigns/number-lists.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { emptyTables, makeCampaign } from '../support/fixtures.js';

const MAPPING: ColumnMapping = { phone: 'phone', timeZone: 'tz', defaultCountry: 'US' };

async function* slowly(chunks: readonly (Buffer | (() => Promise<Buffer>))[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield typeof chunk === 'function' ? await chunk() : chunk;
  }
}

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

  /** content in one chunk, or in several arriving one at a time as a large upload's do. */
  const run = async (content: string | Buffer | (string | (() => Promise<Buffer>))[], mapping: ColumnMapping = MAPPING, listName = 'main', batchSize = 3) => {
    const chunks = Array.isArray(content)
      ? content.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk))
      : [typeof content === 'string' ? Buffer.from(content) : content];
    const started = await startImport(
      db,
      { campaignId: campaign.id, listName, fileName: 'leads.csv', mapping, actor: 'test', batchSize },
      Readable.from(slowly(chunks)),
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
      '+1 800 555 0199,,Hal,gold',
    ].join('\n');
    const { status, rejections } = await run(file);
    expect(status).toMatchObject({ state: 'done', rowsRead: 8, rowsImported: 2, rowsRejected: 6, rowsUnchanged: 0 });
    expect(rejections.map((r) => r.row)).toEqual([3, 4, 5, 6, 7, 9]);
    expect(rejections[0]!.reason).toMatch(/\+442071234567 is a number of GB, and the campaign's compliance profile covers US/);
    expect(rejections[1]!.reason).toMatch(/"12345" is not a valid phone number for US: too short/);
    expect(rejections[2]!.reason).toMatch(/no phone number/);
    expect(rejections[3]!.reason).toMatch(/"Mars\/Olympus" is not an IANA time zone/);
    expect(rejections[4]!.reason).toMatch(/has 3 fields where the header has 4/);
    // A toll-free number has no area: its zone cannot be told.
    expect(rejections[5]!.reason).toMatch(/cannot be told from the number/);
    const leads = await db.query('SELECT phone, time_zone, custom_fields FROM leads ORDER BY source_row');
    expect(leads.rows).toEqual([
      { phone: '+12025550143', time_zone: 'America/New_York', custom_fields: { name: 'Ann', plan: 'gold' } },
      // No zone column value: Chicago's area code tells it.
      { phone: '+13125550100', time_zone: 'America/Chicago', custom_fields: { name: 'Gus', plan: 'gold' } },
    ]);
  });

  it('imports numbers of other countries when the mapping accepts them', async () => {
    const { status } = await run('phone,tz\n+44 20 7123 4567,\n', { ...MAPPING, acceptOtherCountries: true });
    expect(status).toMatchObject({ state: 'done', rowsImported: 1 });
    expect((await db.query('SELECT time_zone FROM leads')).rows).toEqual([{ time_zone: 'Europe/London' }]);
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

  describe('files that cannot be read whole fail cleanly', () => {
    const leadCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads')).rows[0]!.n;

    it('rejects the row of a field with a NUL byte and imports the others', async () => {
      const { status, rejections } = await run('phone,tz,name\n+12025550143,America/New_York,a\u0000b\n+12025550144,America/New_York,Ann\n');
      expect(status).toMatchObject({ state: 'done', rowsImported: 1, rowsRejected: 1 });
      expect(rejections).toEqual([{ row: 2, reason: expect.stringMatching(/column "name" holds a NUL byte/) }]);
    });

    it('refuses UTF-16 without a byte-order mark as a whole, before writing anything; reads it with one', async () => {
      const text = 'phone,tz\n+12025550143,America/New_York\n';
      const { status } = await run(Buffer.from(text, 'utf16le'));
      expect(status).toMatchObject({ state: 'failed', rowsRead: 0, error: expect.stringMatching(/UTF-16 text without a byte-order mark: save it as UTF-8/) });
      expect(await leadCount()).toBe(0);
      const withBom = await run(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      expect(withBom.status).toMatchObject({ state: 'done', rowsImported: 1 });
    });

    it('fails a file with a quote left open with the line, and writes nothing of it', async () => {
      const { status } = await run('phone,tz,name\n+12025550143,America/New_York,"Ann\n+12025550144,America/New_York,Bob\n');
      expect(status).toMatchObject({ state: 'failed', rowsRead: 0 });
      expect(status.error).toMatch(/the file is not valid CSV after line 1: a quote opened after it is never closed; fix it and import the file again \(nothing of it was imported\)/);
      expect(await leadCount()).toBe(0);
    });

    it('writes nothing of a large file whose quote is left open late, after many batches of good rows, and names the line', async () => {
      // 20,000 good rows before the quote: more than the normalisers hold in flight, 20 batches of 1,000 that used to commit.
      const good = Array.from({ length: 20_000 }, (_, i) => `+1202${200 + Math.floor(i / 10_000)}${String(i % 10_000).padStart(4, '0')},America/New_York,Lead ${i}`);
      // The bad line arrives once a batch has been written, or after a second if none is (as it must be).
      const afterABatch = async () => {
        for (let waited = 0; waited < 1000 && (await leadCount()) === 0; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        return Buffer.from('+12025559999,America/New_York,"Ann\n+12025559998,America/New_York,Bob\n');
      };
      const { status } = await run([['phone,tz,name', ...good].join('\n') + '\n', afterABatch], MAPPING, 'main', 1000);
      expect(status).toMatchObject({ state: 'failed', rowsRead: 0, rowsImported: 0, rowsRejected: 0 });
      expect(status.error).toMatch(/the file is not valid CSV after line 20001: a quote opened after it is never closed/);
      expect(await leadCount()).toBe(0);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_rejections')).rows[0]!.n).toBe(0);
    });

    it('reads semicolon- and tab-separated files, or the separator the mapping names', async () => {
      expect((await run('phone;tz;name\n+12025550143;America/New_York;Ann, Jr\n')).status).toMatchObject({ state: 'done', rowsImported: 1 });
      expect((await run('phone\ttz\n+12025550144\tAmerica/New_York\n', MAPPING, 'tabs')).status).toMatchObject({ rowsImported: 1 });
      const chosen = await run('phone,tz;x\n+12025550145,America/New_York;1\n', { ...MAPPING, separator: ',', customFields: ['tz;x'], timeZone: undefined }, 'chosen');
      expect(chosen.status).toMatchObject({ rowsImported: 1 });
    });

    it('marks interrupted an import whose process stopped, with how far it got; importing again finishes it', async () => {
      const file = 'phone,tz\n+12025550143,America/New_York\n+12025550144,America/New_York\n';
      const { status } = await run(file);
      // As if its process had died mid-file: still running, silent for minutes.
      await db.query(`UPDATE imports SET state = 'running', finished_at = NULL, alive_at = now() - interval '10 minutes' WHERE id = $1`, [status.importId]);
      expect(await interruptDeadImports(db)).toBe(1);
      expect(await getImportStatus(db, status.importId)).toMatchObject({
        state: 'interrupted',
        error: expect.stringMatching(/stopped after 2 rows had been written \(2 imported, 0 rejected\); import the same file again/),
      });
      expect(await interruptDeadImports(db)).toBe(0);
      expect((await run(file)).status).toMatchObject({ state: 'done', rowsUnchanged: 2 });
    });
  });

  it('dials a number whose area spans two zones only while the window is open in both', async () => {
    await run('phone\n+1 208 555 1234\n', { phone: 'phone' });
    expect((await db.query('SELECT time_zone, other_time_zones FROM leads')).rows).toEqual([
      { time_zone: 'America/Boise', other_time_zones: ['America/Los_Angeles'] },
    ]);
    // The US window is 08:00-21:00. A winter Tuesday: Boise is UTC-7, Los Angeles UTC-8.
    const at = (utc: string) => explainHopper(db, campaign, Date.parse(utc));
    expect((await at('2026-01-13T15:30:00Z')).heldBack['outside-calling-window']).toBe(1); // 08:30 Boise, 07:30 Los Angeles
    expect((await at('2026-01-13T16:30:00Z')).eligibleNow).toBe(1); // 09:30 and 08:30
    expect((await at('2026-01-14T04:30:00Z')).heldBack['outside-calling-window']).toBe(1); // 21:30 Boise, 20:30 Los Angeles
  });
});
