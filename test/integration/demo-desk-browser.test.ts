/**
 * The agent page in Chromium on `outpace demo`, as a new user tries it: signed
 * in as agent `you` beside the simulated agents, they see their state change
 * (never "logged out" during a call), take a call with the fields under the
 * campaign's labels and only the agents' dispositions, hold and resume,
 * reload mid-call and find the call again, hang up, are refused a callback
 * at night where the customer lives, and store one the next morning; the
 * screen's clock is the demo's simulated one.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/bench/bench-command.js';
import { startWholeDemo, type WholeDemo } from '../../src/demo/whole-demo.js';
import { chromiumOrExplain, launchChromium } from '../support/browser.js';

const haveChromium = chromiumOrExplain('demo desk browser suite');
const scenario = loadScenario(fileURLToPath(new URL('../../bench/scenarios/realistic/S1.json', import.meta.url)));

describe.skipIf(!haveChromium)('the agent page on the demo', () => {
  let demo: WholeDemo;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    demo = await startWholeDemo({ scenario, mode: 'predictive', hours: 1, speed: 30, seed: 12, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
    browser = await launchChromium();
    page = await browser.newPage({ timezoneId: 'Asia/Tokyo' });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  const state = () => page.locator('#state').innerText();

  it('works a call as agent you', async () => {
    await page.goto(`${demo.url}/agent`);
    await page.fill('#key', demo.agentKey);
    await page.click('#sign-in button');
    await expect.poll(() => page.locator('#log').innerText()).toMatch(/connected as you/);
    // The demo's clock (a winter morning in New York, 14:xx UTC), not the browser's (Tokyo here).
    // The instant is the demo's, shown in the agent's own zone.
    const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    const shown = minutes(await page.locator('#server-time').innerText());
    const expected = minutes(new Date(demo.time.now()).toLocaleTimeString('en-GB', { timeZone: 'Asia/Tokyo', hour12: false }));
    expect(Math.abs(shown - expected)).toBeLessThan(5);

    await page.fill('#endpoint', 'PJSIP/you');
    await page.click('#login');
    await expect.poll(state, { timeout: 20_000 }).toBe('on-call');
    await expect.poll(() => page.locator('#lead-fields').innerText()).toMatch(/First name[\s\S]*Last name/);
    expect(await page.locator('#customer-time').innerText()).toMatch(/\(America\/New_York\).*calling window 08:00-21:00/);
    const offered = await page.locator('#disposition option').allInnerTexts();
    expect(offered.join('|')).not.toMatch(/No answer|Vacant|Wrap-up timed out/);

    await page.click('#hold');
    await expect.poll(() => page.locator('#on-hold').count()).toBe(1);
    await page.click('#hold');
    await expect.poll(() => page.locator('#on-hold').count()).toBe(0);

    await page.reload();
    await expect.poll(() => page.locator('#call-campaign').count()).toBe(1);
    expect(await state()).toBe('on-call');

    await page.keyboard.press('h');
    await expect.poll(state).toBe('wrap-up');
    const digit = offered.findIndex((l) => l.includes('Appointment set'));
    await page.keyboard.press(String(digit));
    const today = new Date(demo.time.now()).toISOString().slice(0, 10);
    const tomorrow = new Date(demo.time.now() + 86_400_000).toISOString().slice(0, 10);
    await page.fill('#callback-at', `${today}T23:30`);
    await page.click('#disposition-form button[type="submit"]');
    await expect.poll(() => page.locator('#log').innerText()).toMatch(/outside the customer's calling window/);
    await page.fill('#callback-at', `${tomorrow}T10:00`);
    await page.click('#disposition-form button[type="submit"]');
    await expect.poll(state).toMatch(/ready|on-call|reserved/);
    const { rows } = await demo.db.query<{ due_at: Date }>(`SELECT due_at FROM callbacks WHERE agent_id = 'you'`);
    // Ten in the morning in New York is 15:00 UTC in January.
    expect(rows.map((r) => r.due_at.toISOString())).toEqual([`${tomorrow}T15:00:00.000Z`]);
    await page.click('#logout');
  }, 90_000);
});
