/**
 * `outpace run` with a broadcast campaign and its linked agent campaign in
 * one process, on the embedded database and the ARI test server: the runner
 * is chosen by each campaign's type, the broadcast dials its list and stores
 * what the customer heard, and a stop drains both.
 */
import { describe, expect, it } from 'vitest';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { createList, insertLeads } from '../../src/campaigns/leads.js';
import { campaignEngine } from '../../src/cli/commands/run.js';
import { serve } from '../../src/cli/commands/serve.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { openPglite } from '../../src/storage/pglite.js';
import { makeCampaign, zoneAtNoon } from '../support/fixtures.js';
import { runLab } from '../support/run-lab.js';

describe('outpace run with a broadcast and its agent campaign', () => {
  const run = runLab('run-broadcast');

  it('runs each campaign with the runner of its type, and drains both on stop', async () => {
    const { lab, dataDir } = run;
    const db = await openPglite(dataDir);
    await runMigrations(db);
    const agents = await makeCampaign(db, { pacing: { mode: 'progressive' } });
    const broadcast = await makeCampaign(db, {
      type: 'broadcast',
      broadcastMessage: JSON.stringify({
        promptSet: 'bill-reminder',
        parts: [{ prompt: 'intro' }, { say: 'money', field: 'amount' }],
        menu: { agentCampaignId: agents.id, keyTimeoutSec: 1, maxPlays: 1 },
      }),
    });
    for (const c of [agents, broadcast]) await changeCampaignState(db, c.id, 'start', 'test');
    const phone = lab.numberFor({ kind: 'human', ringMs: 500, talkMs: 600_000 });
    await insertLeads(db, await createList(db, broadcast.id, 'reminders'), [{ phone, timeZone: zoneAtNoon(), customFields: { amount: '12.00' } }]);
    await db.close();

    const server = lab.server!;
    const env = run.env('run-broadcast');
    let stop!: () => void;
    // Given in the wrong order on purpose: the agent campaign starts first whatever the order.
    const serving = await serve(env, new Promise<void>((resolve) => (stop = resolve)), campaignEngine([broadcast.id, agents.id], env));
    await expect
      .poll(() => server.requests.some((r) => r.includes('/play?') && decodeURIComponent(r).includes('bill-reminder/en/goodbye')), { timeout: 20_000 })
      .toBe(true);
    stop();
    await serving.stopped;

    const after = await openPglite(dataDir);
    try {
      const { rows } = await after.query<{ phone: string; result: { outcome: string } | null }>(
        'SELECT phone, broadcast_result AS result FROM attempts WHERE campaign_id = $1',
        [broadcast.id],
      );
      expect(rows).toEqual([{ phone, result: expect.objectContaining({ outcome: 'heard' }) }]);
    } finally {
      await after.close();
    }
  });
});
