/**
 * The QA page in headless Chromium (playwright-core), on the shared web
 * layer: an inspector signs in with a QA key, draws a day's sample, opens a
 * sampled sale, claims it, plays its mixed leg (the audio element loads the
 * catalogued file through a listen pass, served by Range: 206), scores it on
 * the valid-sale card with a checkpoint failed, submits, and sees the
 * corrective callback the review opened; then follows the campaign's loops
 * (a trial sale's confirmations, opened at its disposition, and the
 * corrective call), records the corrective call's results by hand until it
 * closes, and finds it among the closed ones.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { DAY, HOUR } from '../../src/domain/time.js';
import { RecordingCatalogue } from '../../src/recordings/recording-catalogue.js';
import { sharedDiskStore } from '../../src/recordings/recording-store.js';
import type { Db } from '../../src/storage/db.js';
import { toneWav } from '../ari-server/models.js';
import { chromiumOrExplain, launchChromium } from '../support/browser.js';
import { connectedCalls } from '../support/connected-calls.js';
import { freshPglite } from '../support/databases.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const clock = { now: () => MONDAY_8AM_NEW_YORK + 5 * DAY };

describe.skipIf(!chromiumOrExplain('QA page browser suite'))('the QA page in Chromium', () => {
  let db: Db;
  let api: Api;
  let base: string;
  let qaKey: string;
  let dir: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const audio: number[] = [];

  beforeAll(async () => {
    db = await freshPglite('migrated');
    api = await buildApi({ db, coordination: memoryCoordination(clock), clock });
    await api.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    qaKey = await createApiKey(db, { name: 'quinn', role: 'qa' });
    const campaign = await makeCampaign(db, { name: 'retention offers' });
    const [sale] = await connectedCalls(db, campaign, [
      { agentId: 'ann', disposition: 'valid-sale', at: MONDAY_8AM_NEW_YORK + HOUR },
      { agentId: 'bob', disposition: 'refused', at: MONDAY_8AM_NEW_YORK + 2 * HOUR },
    ]);
    // A trial sale on the Tuesday, outside the day drawn: its confirmation calls are scheduled at its disposition, before any review.
    await connectedCalls(db, campaign, [{ agentId: 'cy', disposition: 'valid-sale', at: MONDAY_8AM_NEW_YORK + DAY + HOUR, fields: { trialProduct: 'music-30' } }]);
    await db.query(`INSERT INTO qa_plans (campaign_id, plan, updated_by) VALUES ($1, '{"alwaysSample": ["valid-sale"], "timeZone": "America/New_York"}', 'test')`, [campaign.id]);
    dir = await mkdtemp(join(tmpdir(), 'outpace-qa-page-'));
    const catalogue = new RecordingCatalogue({ db, store: sharedDiskStore(dir), logger: pino({ level: 'silent' }) });
    for (const [leg, hz] of [['mixed', 550], ['customer', 440], ['agent', 660]] as const) {
      await writeFile(join(dir, `${sale}-${leg}.wav`), toneWav(20, hz));
      catalogue.report({ kind: 'finished', attemptId: sale!, leg, name: `${sale}-${leg}`, format: 'wav', file: { storedName: `${sale}-${leg}` }, at: MONDAY_8AM_NEW_YORK + HOUR + 60_000 });
    }
    await catalogue.settled();
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => response.url().includes('/audio/') && audio.push(response.status()));
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('signs in with a QA key, opens a sampled sale, plays it, scores it, submits, and sees the corrective callback', async () => {
    await page.goto(`${base}/qa`);
    await page.fill('#key', qaKey);
    await page.click('#sign-in button');
    await expect.poll(() => page.locator('#who').innerText()).toBe('quinn, qa');

    await page.fill('#draw-date', '2026-11-23');
    await page.click('#draw-day');
    await expect.poll(() => page.locator('#queue tbody tr').count()).toBe(1);
    expect(await page.locator('#queue tbody tr').innerText()).toContain('every valid-sale call is sampled');
    await page.click('#queue tbody tr');

    await page.click('#claim');
    await page.click('button.leg[data-leg="mixed"]');
    // The audio element loads the file: its length is known (20 s), fetched by Range.
    await expect.poll(() => page.locator('#player').evaluate((el: HTMLAudioElement) => el.duration), { timeout: 10_000 }).toBeCloseTo(20, 0);
    expect(audio).toContain(206);

    await page.fill('#comment', 'the end of the trial is never said');
    await page.click('#review form:has(#comment) button');
    await expect.poll(() => page.locator('#comments li').innerText()).toBe('0:00 (mixed) the end of the trial is never said');
    for (const checkpoint of ['right-party', 'able-to-understand', 'explicit-consent']) await page.check(`input[name="${checkpoint}"]`);
    await page.fill('input[name="courtesy"]', '4');
    await page.click('#submit');

    await expect.poll(() => page.locator('#result').innerText()).toMatch(/^Failed: score \d+\.\d%, failed script-disclosure$/);
    await expect.poll(() => page.locator('#review table').first().innerText()).toContain('corrective call scheduled');
    await expect.poll(() => page.locator('#queue tbody tr').innerText()).toContain('reviewed');
    const { rows } = await db.query<{ disposition: string }>(`SELECT a.disposition FROM attempts a JOIN reviews r ON r.attempt_id = a.id`);
    expect(rows).toEqual([{ disposition: 'invalid-sale' }]);
    expect(problems).toEqual([]);
  });

  it('shows each open loop where it stands, and records a call\'s result by hand until the loop closes', async () => {
    const loops = page.locator('#loops tbody tr');
    await expect.poll(() => loops.count()).toBe(2);
    const trial = page.locator('#loops tbody tr:has-text("trial confirmation")');
    expect(await trial.innerText()).toMatch(/confirmation call 1 of 2 scheduled/);
    expect(await trial.locator('td').nth(2).innerText()).toBe(new Date(MONDAY_8AM_NEW_YORK + 2 * DAY + HOUR + 65_000).toLocaleString('en-GB', { hour12: false }));
    const corrective = page.locator('#loops tbody tr:has-text("corrective call")');
    expect(await corrective.innerText()).toContain('corrective call scheduled');

    await corrective.locator('select[name="result"]').selectOption('not-reached');
    await corrective.locator('button').click();
    await expect.poll(() => corrective.innerText()).toContain('corrective call not reached: called again');
    await corrective.locator('summary').click();
    expect(await corrective.locator('details li').count()).toBe(2);
    // The open call's follow-up shows the same.
    await expect.poll(() => page.locator('#review table').first().innerText()).toContain('corrective call not reached: called again');

    await corrective.locator('select[name="result"]').selectOption('corrected');
    await corrective.locator('button').click();
    await expect.poll(() => loops.count()).toBe(1);
    await page.selectOption('#loop-state', 'closed');
    await expect.poll(() => page.locator('#loops tbody').innerText()).toContain('corrected on the corrective call');
    expect(problems).toEqual([]);
  });
});
