/**
 * The supervisor page in headless Chromium (Debian's, driven by
 * playwright-core) against the running demo: agents and calls change as the
 * simulated floor works, the charts draw (a screenshot is taken and its chart
 * elements checked), a pause from the page stops the campaign's dials within
 * a second, a pause and a start through the API show on the open page
 * without a reload, and an agent's key opens nothing. Skipped, saying why, without Chromium.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/bench/bench-command.js';
import { startWholeDemo, type WholeDemo } from '../../src/demo/whole-demo.js';
import { chromiumOrExplain, launchChromium } from '../support/browser.js';

const scenario = loadScenario(fileURLToPath(new URL('../../bench/scenarios/realistic/S1.json', import.meta.url)));
const SPEED = 60;
export const SCREENSHOT = '/tmp/outpace-supervisor-page.png';
export const DAY_SCREENSHOT = '/tmp/outpace-supervisor-day.png';

describe.skipIf(!chromiumOrExplain('supervisor page browser suite'))('the supervisor page in Chromium, on the demo', () => {
  let demo: WholeDemo;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    demo = await startWholeDemo({ scenario, mode: 'predictive', hours: 2, speed: SPEED, seed: 11, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.drain();
    await demo?.close();
  }, 120_000);

  async function signIn(key: string) {
    await page.goto(`${demo.url}/supervisor`);
    await page.fill('#key', key);
    await page.click('#sign-in button');
  }

  it("gives an agent's key nothing: the page refuses it, the floor and the stream answer 403", async () => {
    await signIn(demo.agentKey);
    await expect.poll(() => page.locator('.problem').innerText()).toMatch(/a agent key does not open the supervisor page/);
    for (const path of ['/supervisor/floor', '/live/events']) {
      const answer = await fetch(`${demo.url}/api/v1${path}`, { headers: { authorization: `Bearer ${demo.agentKey}` } });
      expect(answer.status, path).toBe(403);
    }
  });

  it('shows agents and calls changing, live, and draws the charts', async () => {
    await signIn(demo.supervisorKey);
    await expect.poll(() => page.locator('.link').getAttribute('data-link')).toBe('open');
    await expect.poll(() => page.locator('#agents tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(5);
    const states = () => page.locator('#agents tbody tr').evaluateAll((rows) => rows.map((r) => r.textContent).join('|'));
    const calls = () => page.locator('.calls-by-phase').innerText();
    const [agentsBefore, callsBefore] = [await states(), await calls()];
    await expect.poll(states, { timeout: 10_000 }).not.toBe(agentsBefore);
    await expect.poll(calls, { timeout: 10_000 }).not.toBe(callsBefore);
    await expect.poll(() => page.locator('.campaign .decision').innerText()).toMatch(/\d+ of \d+ wanted/);
    // A few pacing reports give the charts their lines.
    await page.waitForTimeout(3000);
    expect(await page.locator('#abandon-chart canvas').count()).toBe(1);
    expect(await page.locator('#occupancy-chart canvas').count()).toBe(1);
    expect(await page.locator('#abandon-chart .u-legend').innerText()).toMatch(/regulatory window[\s\S]*last hour[\s\S]*target/);
    // The occupancy line has points: uPlot's data, read back from the chart.
    const drawn = await page.locator('#occupancy-chart .u-over').boundingBox();
    expect(drawn!.width).toBeGreaterThan(100);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("starts the charts from the campaign's day so far, read from storage: points from before the page opened", async () => {
    // The demo's floor works from 09:00 in New York; earlier that day, 05:00 to 08:45 (10:00 to 13:45 UTC), someone dialed 45 calls
    // (every ninth abandoned) and an agent worked on and off the phone.
    const earlier = demo.start - 4 * 3600_000;
    await demo.db.query(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, answered_at, connected_at, ended_at, outcome, abandoned)
       SELECT l.id, l.campaign_id, l.customer_id, l.phone, 'earlier', $2::timestamptz + l.n * interval '5 minutes', $2::timestamptz + l.n * interval '5 minutes' + interval '9 s',
              CASE WHEN l.n % 9 <> 0 THEN $2::timestamptz + l.n * interval '5 minutes' + interval '10 s' END,
              $2::timestamptz + l.n * interval '5 minutes' + interval '2 minutes', 'live', l.n % 9 = 0
         FROM (SELECT *, row_number() OVER (ORDER BY id) - 1 AS n FROM leads WHERE campaign_id = $1 AND state = 'ready' LIMIT 45) l`,
      [demo.campaign.id, new Date(earlier)],
    );
    for (const [minute, state] of [[0, 'ready'], [10, 'on-call'], [40, 'wrap-up'], [50, 'ready'], [60, 'on-call'], [150, 'wrap-up'], [180, 'logged-out']] as const) {
      await demo.db.query(`INSERT INTO agent_states (agent_id, campaign_ids, from_state, to_state, at) VALUES ('early-bird', $1, 'x', $2, $3)`, [
        [demo.campaign.id],
        state,
        new Date(earlier + minute * 60_000),
      ]);
    }
    const day = await fetch(`${demo.url}/api/v1/supervisor/campaigns/${demo.campaign.id}/day?timeZone=America/New_York`, { headers: { authorization: `Bearer ${demo.agentKey}` } });
    expect(day.status).toBe(403);

    const openedAt = demo.time.now() / 1000;
    const newYork = await browser.newPage({ viewport: { width: 1400, height: 1400 }, timezoneId: 'America/New_York' });
    await newYork.goto(`${demo.url}/supervisor`);
    await newYork.fill('#key', demo.supervisorKey);
    await newYork.click('#sign-in button');
    const chart = newYork.locator('#abandon-chart');
    await expect.poll(() => chart.getAttribute('data-points').then(Number), { timeout: 15_000 }).toBeGreaterThan(16);
    // The first point is the end of the first quarter hour after midnight in New York: hours before the page opened, and the shift.
    const from = Number(await chart.getAttribute('data-from'));
    expect(from).toBeLessThan(demo.start / 1000);
    expect(from).toBe((demo.start - 9 * 3600_000 + 15 * 60_000) / 1000);
    expect(Number(await newYork.locator('#occupancy-chart').getAttribute('data-from'))).toBe(from);
    expect(from).toBeLessThan(openedAt);
    await newYork.waitForTimeout(1500);
    await newYork.screenshot({ path: DAY_SCREENSHOT, fullPage: true });
    await newYork.close();
  });

  it('follows a pause and a start made elsewhere (the API) on the open page, without a reload (the pause without even a read of the floor)', async () => {
    const api = (transition: string) =>
      fetch(`${demo.url}/api/v1/campaigns/${demo.campaign.id}/${transition}`, { method: 'POST', headers: { authorization: `Bearer ${demo.supervisorKey}` } });
    const floorReads: string[] = [];
    page.on('request', (r) => void (r.url().includes('/supervisor/floor') && floorReads.push(r.url())));
    await page.evaluate(() => ((window as unknown as { stillThisPage: boolean }).stillThisPage = true));
    expect((await api('pause')).status).toBe(200);
    await expect.poll(() => page.locator('.campaign .badge').first().innerText()).toBe('paused');
    await expect.poll(() => page.locator('.why').innerText()).toMatch(/paused/);
    expect(await page.locator('.start-campaign').count()).toBe(1);
    expect(floorReads).toEqual([]);
    expect((await api('start')).status).toBe(200);
    await expect.poll(() => page.locator('.campaign .badge').first().innerText()).toBe('running');
    await expect.poll(() => page.locator('.pause-campaign').count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { stillThisPage?: boolean }).stillThisPage)).toBe(true);
  });

  it("stops the campaign's dials within a second of a pause from the page", async () => {
    const attempts = async () =>
      (await demo.db.query<{ n: number; last: Date | null }>('SELECT count(*)::int AS n, max(originated_at) AS last FROM attempts WHERE campaign_id = $1', [demo.campaign.id])).rows[0]!;
    expect((await attempts()).n).toBeGreaterThan(0);
    await page.click('.pause-campaign');
    const pausedAt = demo.time.now();
    await expect.poll(() => page.locator('.campaign .badge').first().innerText()).toBe('paused');
    // Two real seconds later (two simulated minutes): nothing was dialed later than one real second after the click.
    await page.waitForTimeout(2000);
    const after = await attempts();
    expect(after.last!.getTime()).toBeLessThanOrEqual(pausedAt + 1000 * SPEED);
    await page.waitForTimeout(1000);
    expect((await attempts()).n).toBe(after.n);
    await expect.poll(() => page.locator('.why').innerText()).toMatch(/paused/);
  });
});
