/**
 * `outpace doctor` on the prompts running campaigns need: every language a
 * broadcast's leads may hear, with the message's prompts and outpace's own
 * number words, in the sounds folder installed on the PBX.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { DEFAULT_SOUNDS_DIR, runningCampaignPrompts } from '../../src/ivr/prompt-doctor.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { emptyTables, makeCampaign } from '../support/fixtures.js';

const [database] = await testDatabases();

describe('outpace doctor, the prompts of running campaigns', () => {
  let db: Db;
  let withoutMandarinNumbers: string;
  beforeAll(async () => {
    db = await database!.open();
    await emptyTables(db);
    // A sounds folder as a PBX might have it: the bill reminder in both languages, number words in English only.
    withoutMandarinNumbers = await mkdtemp(path.join(tmpdir(), 'outpace-sounds-'));
    await cp(DEFAULT_SOUNDS_DIR, withoutMandarinNumbers, { recursive: true });
    await rm(path.join(withoutMandarinNumbers, 'numbers', 'zh'), { recursive: true });
  });
  afterAll(async () => {
    await rm(withoutMandarinNumbers, { recursive: true, force: true });
    await db?.close();
  });

  it('checks each language a running broadcast may speak, naming what is missing', async () => {
    const message = { promptSet: 'bill-reminder', languageField: 'language', parts: [{ prompt: 'intro' }, { say: 'money', field: 'amount' }] };
    const bills = await makeCampaign(db, { name: 'bills', type: 'broadcast', broadcastMessage: JSON.stringify(message) });
    await makeCampaign(db, { name: 'not running', type: 'broadcast', broadcastMessage: JSON.stringify({ ...message, promptSet: 'nowhere' }) });
    await changeCampaignState(db, bills.id, 'start', 'test');

    expect(await runningCampaignPrompts(db, DEFAULT_SOUNDS_DIR)).toEqual([
      { check: 'prompts of bills in en', ok: true, detail: `in ${DEFAULT_SOUNDS_DIR}` },
      { check: 'prompts of bills in zh', ok: true, detail: `in ${DEFAULT_SOUNDS_DIR}` },
    ]);
    const checks = await runningCampaignPrompts(db, withoutMandarinNumbers);
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['prompts of bills in en', true],
      ['prompts of bills in zh', false],
    ]);
    expect(checks[1]!.detail).toMatch(/^missing .*numbers\/zh\/0\.wav, .*numbers\/zh\/hundred\.wav.*make-number-prompts\.sh/);
  });
});
