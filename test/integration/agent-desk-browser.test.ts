/**
 * The agent desk in Chromium against `outpace run` on the ARI test server,
 * two agents in two browser contexts: Alice logs in and takes the call, puts
 * the customer on hold (music on the customer's channel) and back, reloads
 * mid-call and finds the call where it was, consults Bob and completes the
 * warm transfer; Bob hangs up with a shortcut, picks the callback
 * disposition with its digit, is refused a callback on a day the campaign
 * does not call, and stores one on the next day it does.
 */
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { setLeadFieldDefinitions } from '../../src/campaigns/lead-fields.js';
import { localMoment } from '../../src/campaigns/local-window.js';
import { createList, insertLeads } from '../../src/campaigns/leads.js';
import { campaignEngine } from '../../src/cli/commands/run.js';
import { serve } from '../../src/cli/commands/serve.js';
import { AgentId } from '../../src/domain/ids.js';
import { DAY } from '../../src/domain/time.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { openPglite } from '../../src/storage/pglite.js';
import { chromiumOrExplain, launchChromium } from '../support/browser.js';
import { makeCampaign } from '../support/fixtures.js';
import { runLab } from '../support/run-lab.js';

const haveChromium = chromiumOrExplain('agent desk browser suite');
/** A customer's zone where it is day now, whenever the suite runs: the US calling hours (08:00-21:00) apply there. */
const ZONE = ['America/New_York', 'Europe/London', 'Asia/Tokyo', 'Asia/Kolkata', 'Pacific/Honolulu', 'Australia/Sydney'].find((zone) => {
  const hour = Number(localMoment(Date.now(), zone).time.slice(0, 2));
  return hour >= 9 && hour < 19;
})!;

describe.skipIf(!haveChromium)('the agent desk in Chromium on outpace run', () => {
  const run = runLab('desk-browser');

  it('takes a call, holds, survives a reload, warm-transfers to a second agent, dispositions with shortcuts and a callback', async () => {
    const { lab, dataDir } = run;
    const db = await openPglite(dataDir);
    await runMigrations(db);
    // Every day is open but tomorrow, a holiday where the customer lives: a callback then is outside the window.
    const tomorrow = localMoment(Date.now() + DAY, ZONE).date;
    const dayAfter = localMoment(Date.now() + 2 * DAY, ZONE).date;
    const campaign = await makeCampaign(db, { name: 'Renewals', pacing: { mode: 'progressive' }, rules: { callingWindow: { holidays: [tomorrow] } } });
    await setLeadFieldDefinitions(db, campaign.id, [{ name: 'first_name', label: 'First name', editable: false }]);
    const number = lab.numberFor({ kind: 'human', ringMs: 500, talkMs: 3_600_000 });
    await insertLeads(db, await createList(db, campaign.id, 'customers'), [{ phone: number, timeZone: ZONE, customFields: { first_name: 'Ada' } }]);
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const keys: Record<string, string> = {};
    for (const id of ['alice', 'bob']) {
      await upsertAgent(db, { id: AgentId(id), name: id, redList: false });
      keys[id] = await createApiKey(db, { name: id, role: 'agent', agentId: AgentId(id) });
    }
    await db.close();

    const env = run.env('desk-browser');
    let stop!: () => void;
    const serving = await serve(env, new Promise<void>((resolve) => (stop = resolve)), campaignEngine([campaign.id], env));
    const base = `http://127.0.0.1:${(serving.api.server.address() as AddressInfo).port}`;
    const browser: Browser = await launchChromium();
    try {
      const open = async (agent: string, endpoint: string): Promise<Page> => {
        const page = await (await browser.newContext()).newPage();
        await page.goto(`${base}/agent`);
        await page.fill('#key', keys[agent]!);
        await page.click('#sign-in button');
        await expect.poll(() => page.locator('#log').innerText()).toMatch(/connected as/);
        await page.fill('#endpoint', endpoint);
        await page.click('#login');
        return page;
      };
      const state = (page: Page) => page.locator('#state').innerText();
      const pbx = lab.server!.pbx;
      const customer = () => pbx.list().find((c) => c.endpoint === `PJSIP/${number}@carrier`)!;

      const alice = await open('alice', 'PJSIP/agent1');
      await expect.poll(() => state(alice), { timeout: 10_000 }).toBe('on-call');
      await expect.poll(() => alice.locator('#call-campaign').innerText()).toBe('Renewals');
      expect(await alice.locator('#lead-fields').innerText()).toMatch(/First name\s+Ada/);
      const bob = await open('bob', 'PJSIP/agent2');
      await expect.poll(() => state(bob)).toBe('ready');

      await alice.click('#hold');
      await expect.poll(() => alice.locator('#on-hold').count()).toBe(1);
      expect(pbx.musicOnHold.get(customer().id)?.since).toBeDefined();

      // A reload mid-call, the customer on hold: the page comes back on the call, on hold, its timer running.
      await alice.reload();
      await expect.poll(() => alice.locator('#call-campaign').count()).toBe(1);
      expect(await state(alice)).toBe('on-call');
      await expect.poll(() => alice.locator('#on-hold').count()).toBe(1);
      await expect.poll(() => alice.locator('#call-timer').innerText()).toMatch(/^\d+:\d\d$/);

      await alice.keyboard.press('o');
      await expect.poll(() => alice.locator('#on-hold').count()).toBe(0);
      expect(pbx.musicOnHold.get(customer().id)?.since).toBeUndefined();

      await alice.fill('#transfer-to', 'bob');
      await alice.click('#consult');
      await expect.poll(() => state(bob)).toBe('reserved (consult)');
      await expect.poll(() => alice.locator('#complete').count()).toBe(1);
      await alice.click('#complete');
      await expect.poll(() => state(bob)).toBe('on-call (transfer)');
      await expect.poll(() => bob.locator('#call-campaign').innerText()).toBe('Renewals');
      await expect.poll(() => state(alice)).toBe('ready (transferred)');
      expect(customer().bridgeId).toBe(pbx.list().find((c) => c.id.startsWith('desk-browser-a-bob-'))!.bridgeId);

      await bob.keyboard.press('h');
      await expect.poll(() => state(bob)).toBe('wrap-up');
      await expect.poll(() => bob.locator('#wrap-up').innerText()).toMatch(/left/);
      const labels = await bob.locator('#disposition option').allInnerTexts();
      const digit = labels.findIndex((l) => l.includes('Appointment set'));
      await bob.keyboard.press(String(digit));
      await expect.poll(() => bob.locator('#callback-at').count()).toBe(1);
      await bob.fill('#callback-at', `${tomorrow}T12:00`);
      await bob.fill('#notes', 'renewal next week');
      await bob.click('#disposition-form button[type="submit"]');
      await expect.poll(() => bob.locator('#log').innerText()).toMatch(/outside the customer's calling window \(no calls that day\)/);
      await bob.fill('#callback-at', `${dayAfter}T12:00`);
      await bob.click('#disposition-form button[type="submit"]');
      await expect.poll(() => state(bob)).toBe('ready');
    } finally {
      await browser.close();
      stop();
      await serving.stopped;
    }

    const after = await openPglite(dataDir);
    try {
      const steps = await after.query<{ step: string; actor: string; target: string | null }>('SELECT step, actor, target FROM attempt_steps ORDER BY at, id');
      expect(steps.rows).toEqual([
        { step: 'hold', actor: 'agent:alice', target: null },
        { step: 'resume', actor: 'agent:alice', target: null },
        { step: 'consult', actor: 'agent:alice', target: 'agent:bob' },
        { step: 'complete', actor: 'agent:alice', target: 'agent:bob' },
        { step: 'hangup', actor: 'agent:bob', target: null },
      ]);
      const attempt = await after.query<{ disposition: string; disposition_note: string; agent_id: string; hold_seconds: string }>(
        'SELECT disposition, disposition_note, agent_id, hold_seconds FROM attempts',
      );
      expect(attempt.rows[0]).toMatchObject({ disposition: 'appointment', disposition_note: 'renewal next week' });
      expect(Number(attempt.rows[0]!.hold_seconds)).toBeGreaterThan(0);
      const callbacks = await after.query<{ agent_id: string; due_at: Date }>('SELECT agent_id, due_at FROM callbacks');
      expect(callbacks.rows).toHaveLength(1);
      expect(callbacks.rows[0]!.agent_id).toBe('bob');
      expect(localMoment(callbacks.rows[0]!.due_at.getTime(), ZONE)).toMatchObject({ date: dayAfter, time: '12:00' });
    } finally {
      await after.close();
    }
  }, 90_000);
});
