/**
 * The web layer the pages share (src/api/web/): a page gets the import map
 * its CSP allows by hash, the shared modules and Preact are served, and in a
 * real browser a page built on it signs in, refuses a key of the wrong role
 * with why, and follows the live event stream.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { webPageRoutes } from '../../src/api/web/serve.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import type { Coordination } from '../../src/coordination/coordination.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId, CampaignId } from '../../src/domain/ids.js';
import type { Db } from '../../src/storage/db.js';
import { chromiumOrExplain, launchChromium } from '../support/browser.js';
import { freshPglite } from '../support/databases.js';
import { MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const clock = { now: () => MONDAY_8AM_NEW_YORK };
let db: Db;
let api: Api;
let coordination: Coordination;
let base: string;
let supervisorKey: string;
let agentKey: string;

beforeAll(async () => {
  db = await freshPglite('migrated');
  coordination = memoryCoordination(clock);
  api = await buildApi({ db, coordination, clock });
  webPageRoutes(api, { path: '/fixture', title: 'fixture', folder: new URL('../support/web-fixture/', import.meta.url), files: ['page.js'] });
  await api.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  supervisorKey = await createApiKey(db, { name: 'sam', role: 'supervisor' });
  await upsertAgent(db, { id: AgentId('alice'), name: 'Alice', redList: false });
  agentKey = await createApiKey(db, { name: 'alice', role: 'agent', agentId: AgentId('alice') });
});
afterAll(async () => {
  await api?.close();
  await db?.close();
});

describe('serving the web layer', () => {
  it("puts the import map in a page and allows exactly it by its hash in the page's CSP", async () => {
    const response = await api.inject({ url: '/agent' });
    expect(response.statusCode).toBe(200);
    const map = /<script type="importmap">(.*?)<\/script>/.exec(response.body)?.[1];
    expect(JSON.parse(map!).imports).toEqual({ preact: '/web/vendor/preact.mjs', 'preact/hooks': '/web/vendor/hooks.mjs', htm: '/web/vendor/htm.mjs', uplot: '/web/vendor/uplot.mjs' });
    const hash = createHash('sha256').update(map!).digest('base64');
    expect(response.headers['content-security-policy']).toContain(`script-src 'self' 'sha256-${hash}'`);
  });

  it('serves Preact, its hooks, htm and the shared modules as JavaScript', async () => {
    for (const path of ['/web/vendor/preact.mjs', '/web/vendor/hooks.mjs', '/web/vendor/htm.mjs', '/web/lib/components.js', '/web/lib/live.js']) {
      const response = await api.inject({ url: path });
      expect(response.statusCode, path).toBe(200);
      expect(response.headers['content-type'], path).toBe('text/javascript; charset=utf-8');
    }
    expect((await api.inject({ url: '/web/lib/nothing.js' })).statusCode).toBe(404);
  });

  it('tells any key who it belongs to at /me, and refuses no key', async () => {
    const me = await api.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${agentKey}` } });
    expect(me.json()).toEqual({ name: 'alice', role: 'agent', agentId: 'alice' });
    expect((await api.inject({ url: '/api/v1/me' })).statusCode).toBe(401);
  });
});

describe.skipIf(!chromiumOrExplain('web layer browser suite'))('a page on the web layer in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
  });
  afterAll(() => browser?.close());

  it('refuses a key of the wrong role, signs in with the right one and follows the live events', async () => {
    await page.goto(`${base}/fixture`);
    await page.fill('#key', agentKey);
    await page.click('#sign-in button');
    await expect.poll(() => page.locator('.problem').innerText()).toMatch(/an? agent key does not open the fixture page: sign in with a key for supervisor or admin/);

    await page.fill('#key', supervisorKey);
    await page.click('#sign-in button');
    await expect.poll(() => page.locator('#who').innerText()).toBe('sam, supervisor');
    await expect.poll(() => page.locator('.link').getAttribute('data-link')).toBe('open');
    expect(await page.locator('.empty').innerText()).toBe('no counts yet');

    await coordination.live.count(CampaignId('00000000-0000-4000-8000-000000000001'), 'dials', clock.now(), 3);
    await expect.poll(() => page.locator('tbody tr').allInnerTexts()).toEqual(['dials\t3']);
    // Everything loaded under the page's CSP: no module refused, no script error.
    expect(problems).toEqual([]);
  });
});
