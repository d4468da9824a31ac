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
