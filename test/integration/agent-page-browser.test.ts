/**
 * The agent page in a real browser: Debian's Chromium, headless, driven by
 * playwright-core. An agent signs in with their key, logs in to a campaign,
 * pauses and resumes, takes a call with its screen pop and script, answers
 * along the branches, corrects the customer's number and closes the call with
 * a disposition. Skipped, with the reason printed, where Chromium is absent.
 */
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskHub } from '../../src/agents/desk-hub.js';
import type { AgentDeskEvent } from '../../src/agents/desk.js';
import { saveScript } from '../../src/agents/scripts/script-store.js';
import { AgentSockets } from '../../src/api/agent-sockets.js';
import type { Api } from '../../src/api/context.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { assignCampaigns, upsertAgent } from '../../src/campaigns/agents.js';
import { startAttempt } from '../../src/campaigns/attempts.js';
import { claimLeads } from '../../src/campaigns/hopper/claim.js';
import { createList, insertLeads } from '../../src/campaigns/leads.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId, E164, type AttemptId } from '../../src/domain/ids.js';
import { HOUR, SECOND } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import type { TelephonyListener } from '../../src/telephony/port.js';
import { chromiumOrExplain, launchChromium } from '../support/browser.js';
import { freshPglite } from '../support/databases.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { SURVEY } from '../support/sample-script.js';

const haveChromium = chromiumOrExplain('agent page browser suite');

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ALICE = AgentId('alice');

describe.skipIf(!haveChromium)('the agent page in Chromium', () => {
  let db: Db;
  let api: Api;
  let sockets: AgentSockets;
  let browser: Browser;
  let page: Page;
  let base: string;
  let key: string;
  const heard: AgentDeskEvent[] = [];
  const calls = new Set<TelephonyListener>();
  const desk = new DeskHub();
  /** Whether the campaigns run here: not while another engine runs them, or while this one is taking them over. */
  let runsHere = true;

  beforeAll(async () => {
    db = await freshPglite('migrated');
    const clock = { now: () => T0 };
    api = await buildApi({ db, coordination: memoryCoordination(clock), clock });
    desk.subscribe((e) => heard.push(e));
    sockets = new AgentSockets({ db, desk, clock, subscribeCalls: (l) => (calls.add(l), () => calls.delete(l)), runsCampaign: () => runsHere });
    sockets.attach(api.server);
    await api.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    await upsertAgent(db, { id: ALICE, name: 'Alice', redList: false });
    key = await createApiKey(db, { name: 'alice', role: 'agent', agentId: ALICE });
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    sockets?.close();
    await api?.close();
    await db?.close();
  });

  const logSays = (text: RegExp) => expect.poll(() => page.locator('#log').innerText()).toMatch(text);

  it('works a call from sign-in to disposition', async () => {
    const campaign = await makeCampaign(db, { name: 'Broadband' });
    await saveScript(db, campaign.id, SURVEY, 'manager');
    const listId = await createList(db, campaign.id, 'customers');
    await insertLeads(db, listId, [{ phone: E164('+12025550001'), timeZone: 'America/New_York', customFields: { first_name: 'Ada', plan: 'Fibre 500' } }]);
    const [lead] = await claimLeads(db, { campaign, engineId: 'e', count: 1, leaseMs: 30 * SECOND, now: T0 });
    const attemptId: AttemptId = await startAttempt(db, { leadId: lead!.leadId, engineId: 'e', now: T0 });

    await page.goto(`${base}/agent`);
    await page.fill('#key', key);
    await page.click('#sign-in button');
    await expect.poll(() => page.locator('#who').innerText()).toBe('alice (alice), agent');
    await logSays(/connected as alice/);
    // The key stays in the tab's session storage and never reaches a URL.
    expect(await page.evaluate(() => sessionStorage.getItem('outpace.key'))).toBe(key);
    // Times are the server's clock, not the browser's.
    // (The test's server clock stands at T0; the page moves it on from there.)
    expect(Date.parse(`${new Date(T0).toISOString().slice(0, 11)}${await page.locator('#server-time').innerText()}Z`) - T0).toBeLessThan(60_000);

    await page.fill('#endpoint', 'PJSIP/alice');
    await page.click('#login');
    await page.selectOption('#pause-reason', 'training');
    await page.click('#pause');
    await page.click('#resume');
    await expect.poll(() => heard.map((e) => e.type)).toEqual(['agent.login', 'agent.pause', 'agent.resume']);
    expect(heard[0]).toMatchObject({ endpoint: 'PJSIP/alice' });
    expect(heard[1]).toMatchObject({ reason: 'training' });

    calls.forEach((l) => l({ type: 'call.connected', attemptId, agentId: ALICE, at: T0 }));
    await expect.poll(() => page.locator('#q-greeting').innerText()).toBe('Hello Ada, this is outpace calling about Fibre 500.');
    expect(await page.locator('#call-campaign').innerText()).toBe('Broadband');
    // The customer's local time and window, by the server's clock.
    expect(await page.locator('#customer-time').innerText()).toMatch(/10:0\d:\d\d \(America\/New_York\).*calling window 08:00-21:00/);
    // Skipped questions follow their default next; answers open their branches one after another.
    expect(await page.locator('.question').count()).toBe(5);
    await page.check('#q-customer input[value="yes"]');
    await page.check('#q-speed input[value="slow"]');
    await expect.poll(() => page.locator('#q-complaint').count()).toBe(1);
    await page.fill('#q-complaint textarea', 'drops at night');
    await page.fill('#q-devices input', '12');
    await page.locator('#q-devices input').dispatchEvent('change');
    await expect.poll(() => page.locator('#q-business').count()).toBe(1);
    await page.check('#q-business input[value="work"]');
    await expect
      .poll(async () => (await db.query('SELECT question_id, answer FROM attempt_answers ORDER BY question_id')).rows)
      .toEqual([
        { question_id: 'business', answer: ['work'] },
        { question_id: 'complaint', answer: 'drops at night' },
        { question_id: 'customer', answer: true },
        { question_id: 'devices', answer: 12 },
        { question_id: 'speed', answer: 'slow' },
      ]);

    await page.fill('#lead-phone', '202 555 0199');
    await page.fill('#lead-fields input[name="first_name"]', 'Ada L.');
    await page.click('#lead-form button');
    await logSays(/done: lead\.correct/);
    const corrected = await db.query('SELECT phone, custom_fields FROM leads');
    expect(corrected.rows).toEqual([{ phone: '+12025550199', custom_fields: { first_name: 'Ada L.', plan: 'Fibre 500' } }]);

    await expect.poll(() => page.locator('#disposition option').count()).toBeGreaterThan(5);
    await page.selectOption('#disposition', 'appointment');
    expect(await page.locator('#callback').isVisible()).toBe(true);
    await page.fill('#callback-at', '2026-11-24T10:30');
    await page.fill('#notes', 'wants a call after ten');
    await page.click('#disposition-form button[type="submit"]');
    // Ten thirty where the customer lives: 15:30 UTC in November.
    await expect
      .poll(() => heard.at(-1))
      .toMatchObject({ type: 'agent.wrap-up-done', attemptId, disposition: 'appointment', note: 'wants a call after ten', callback: { at: Date.parse('2026-11-24T15:30:00Z') } });
    expect(await page.locator('#disposition-form button[type="submit"]').isDisabled()).toBe(true);
    expect(await page.locator('#log .error').count()).toBe(0);

    await page.click('#logout');
    await expect.poll(() => heard.at(-1)?.type).toBe('agent.logout');

    // A reload signs in again from the tab's session, with a fresh ticket (the first was spent).
    await page.reload();
    await logSays(/connected as alice/);
    // A second tab takes the desk over; this one says so, and can take it back.
    const second = await browser.newPage();
    await second.goto(`${base}/agent`);
    await second.fill('#key', key);
    await second.click('#sign-in button');
    await expect.poll(() => second.locator('#log').innerText()).toMatch(/connected as alice/);
    await expect.poll(() => page.locator('#replaced').innerText()).toMatch(/replaced by a newer connection/);
    await second.close();
    await page.click('#replaced button');
    await logSays(/connected as alice[\s\S]*connected as alice/);
    expect(await page.locator('#sign-in').isHidden()).toBe(true);
    expect(await page.inputValue('#endpoint')).toBe('PJSIP/alice');
  });

  it('logs in again by itself while the engine is still taking the campaign over', async () => {
    const campaign = await makeCampaign(db, { name: 'Taken over' });
    await assignCampaigns(db, ALICE, [campaign.id]);
    runsHere = false;
    await page.reload();
    await logSays(/connected as alice/);
    heard.length = 0;
    await page.fill('#endpoint', 'PJSIP/alice');
    await expect.poll(() => page.locator(`#campaigns input[value="${campaign.id}"]`).count()).toBe(1);
    for (const box of await page.locator('#campaigns input').all()) if ((await box.getAttribute('value')) !== campaign.id) await box.uncheck();
    await page.click('#login');
    await logSays(/is not run by this engine now/);
    expect(heard).toEqual([]);
    runsHere = true;
    await expect.poll(() => heard.map((e) => e.type), { timeout: 10_000 }).toEqual(['agent.login']);
    expect(heard[0]).toMatchObject({ campaigns: [campaign.id], endpoint: 'PJSIP/alice' });
  });
});
