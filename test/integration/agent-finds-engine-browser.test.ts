/**
 * An agent whose campaign another engine runs is taken to it (issue 19): two
 * engines' APIs behind a balancer that routes a socket by `?engine=`, as
 * docs/scaling.md's nginx configuration does. The agent's page, opened
 * through the balancer, lands on the engine that does not run the campaign;
 * its refusal names the engine that does, and the page reconnects there and
 * logs in by itself. In headless Chromium; skipped, saying why, without it.
 */
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskHub } from '../../src/agents/desk-hub.js';
import type { AgentDeskEvent } from '../../src/agents/desk.js';
import { AgentSockets } from '../../src/api/agent-sockets.js';
import type { Api } from '../../src/api/context.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { assignCampaigns, upsertAgent } from '../../src/campaigns/agents.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId } from '../../src/domain/ids.js';
import { HOUR } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import { chromiumOrExplain, launchChromium } from '../support/browser.js';
import { freshPglite } from '../support/databases.js';
import { EngineBalancer } from '../support/engine-balancer.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const haveChromium = chromiumOrExplain('agent-finds-engine browser suite');

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ALICE = AgentId('alice');

describe.skipIf(!haveChromium)('an agent reaching an engine that does not run their campaign', () => {
  let db: Db;
  let browser: Browser;
  let page: Page;
  let balancer: EngineBalancer;
  const engines: { api: Api; sockets: AgentSockets; heard: AgentDeskEvent[] }[] = [];

  /** An engine's API with its agent socket: `runs` says whether it runs every campaign; the others are run by engine-b. */
  async function engine(engineId: string, runs: boolean) {
    const clock = { now: () => T0 };
    const api = await buildApi({ db, coordination: memoryCoordination(clock), clock });
    const desk = new DeskHub();
    const heard: AgentDeskEvent[] = [];
    desk.subscribe((e) => heard.push(e));
    const sockets = new AgentSockets({
      db,
      desk,
      clock,
      engineId,
      subscribeCalls: () => () => undefined,
      runsCampaign: () => runs,
      campaignRunBy: async () => 'engine-b',
    });
    sockets.attach(api.server);
    await api.listen({ port: 0, host: '127.0.0.1' });
    engines.push({ api, sockets, heard });
    return (api.server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    db = await freshPglite('migrated');
    const a = await engine('engine-a', false);
    const b = await engine('engine-b', true);
    balancer = await EngineBalancer.start(new Map([['engine-a', a], ['engine-b', b]]));
    await upsertAgent(db, { id: ALICE, name: 'Alice', redList: false });
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await balancer?.close();
    for (const e of engines) {
      e.sockets.close();
      await e.api.close();
    }
    await db?.close();
  });

  it('is told which engine runs it, reconnects to that engine through the balancer and logs in there by itself', async () => {
    const campaign = await makeCampaign(db, { name: 'Run by engine b' });
    await assignCampaigns(db, ALICE, [campaign.id]);
    const key = await createApiKey(db, { name: 'alice', role: 'agent', agentId: ALICE });
    await page.goto(`${balancer.url}/agent`);
    await page.fill('#key', key);
    await page.click('#sign-in button');
    await expect.poll(() => page.locator('#log').innerText()).toMatch(/connected as alice/);
    await page.fill('#endpoint', 'PJSIP/alice');
    await expect.poll(() => page.locator(`#campaigns input[value="${campaign.id}"]`).count()).toBe(1);
    await page.click('#login');

    await expect.poll(() => engines[1]!.heard.map((e) => e.type), { timeout: 10_000 }).toEqual(['agent.login']);
    expect(engines[1]!.heard[0]).toMatchObject({ agentId: ALICE, campaigns: [campaign.id], endpoint: 'PJSIP/alice' });
    expect(engines[0]!.heard).toEqual([]);
    expect(balancer.sockets).toEqual(['engine-a', 'engine-b']);
    await expect.poll(() => page.locator('#log').innerText()).toMatch(/run by engine engine-b, not this one/);
  });
});
