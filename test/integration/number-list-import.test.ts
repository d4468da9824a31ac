import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/campaign-store.js';
import { importNumberListFile, numberListFileSchema } from '../../src/campaigns/number-list-import.js';
import { checkNumber } from '../../src/campaigns/number-lists.js';
import type { Db } from '../../src/storage/db.js';
import { UnreadableFileError } from '../../src/storage/errors.js';
import { testDatabases } from '../support/databases.js';

const FILE = [
  'number,why,kind',
  '+442071234567,asked on the phone,complaint',
  '020 7946 0018,,', // national form: needs the country
  'not a number,spam,complaint',
  '+442071234567,twice in one file,complaint', // the same number again: one entry
  '',
  '0044,short,complaint',
].join('\n');

const file = (text: string) => Readable.from([Buffer.from(text)]);

describe.each(await testDatabases())('importing a do-not-call file on $kind', ({ open }) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db.close();
  });

  const options = numberListFileSchema.parse({ phone: 'number', reasonColumn: 'why', categoryColumn: 'kind', defaultCountry: 'GB', source: 'ofcom-tps' });
  const entries = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM number_lists')).rows[0]!.n);

  it('adds every valid number and reports every other row with its line', async () => {
    const report = await importNumberListFile(db, file(FILE), options, 'test');
    expect(report).toEqual({
      rowsRead: 5,
      entriesWritten: 2,
      rowsRejected: 2,
      rejections: [
        { line: 4, reason: '"not a number" is not a valid phone number for GB: it holds no number' },
        // An international prefix and no number after it: no country's plan to name.
        { line: 7, reason: '"0044" is not a valid phone number: too short' },
      ],
    });
    const [complaint] = await checkNumber(db, '+442071234567');
    expect(complaint).toMatchObject({ color: 'black', category: 'complaint', reason: 'twice in one file', source: 'ofcom-tps', createdBy: 'test' });
    const [national] = await checkNumber(db, '+442079460018');
    // Empty cells take the file's defaults.
    expect(national).toMatchObject({ color: 'black', category: 'imported', reason: null });
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await entries();
    await importNumberListFile(db, file(FILE), options, 'test');
    expect(await entries()).toBe(before);
  });

  it('refuses a file without the named column, saying what the header has', async () => {
    await expect(importNumberListFile(db, file('tel\n+442071234568\n'), options, 'test')).rejects.toThrow(UnreadableFileError);
    await expect(importNumberListFile(db, file('tel\n+442071234568\n'), options, 'test')).rejects.toThrow(/"number" is not in the file's header \(it has: tel\)/);
    await expect(importNumberListFile(db, file(''), options, 'test')).rejects.toThrow(/the file is empty/);
  });

  it('puts numbers on the grey list of one campaign when asked', async () => {
    const { id: campaignId } = await createCampaign(db, { name: 'grey', type: 'agent', complianceProfile: 'us', callerId: '+12025550100' }, 'test');
    const grey = numberListFileSchema.parse({ color: 'grey', campaignId });
    await importNumberListFile(db, file('phone\n+12025550143\n'), grey, 'test');
    expect(await checkNumber(db, '+12025550143', campaignId)).toMatchObject([{ color: 'grey', campaignId }]);
    const { id: other } = await createCampaign(db, { name: 'other', type: 'agent', complianceProfile: 'us', callerId: '+12025550100' }, 'test');
    expect(await checkNumber(db, '+12025550143', other)).toEqual([]);
  });
});
