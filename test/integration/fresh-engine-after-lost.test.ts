/**
 * An engine started afresh (not standing by) under a new id, taking a
 * campaign whose engine was lost with no call left to adopt (issue 19): the
 * lost engine's application is served by nobody, so only the campaign's
 * owner in storage names it; taking the campaign says which engine that was,
 * and `outpace run` removes that engine's agents' idle legs before its own
 * agents log in.
 */
import { describe, expect, it } from 'vitest';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { releaseCampaign, takeCampaign } from '../../src/campaigns/dialing/campaign-fence.js';
import { campaignEngine } from '../../src/cli/commands/run.js';
import { serve } from '../../src/cli/commands/serve.js';
import { AgentId } from '../../src/domain/ids.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { openPglite } from '../../src/storage/pglite.js';
import { freshPglite } from '../support/databases.js';
import { makeCampaign } from '../support/fixtures.js';
import { runLab } from '../support/run-lab.js';
import { connectEngine } from './telephony-lab.js';

const AGENT = AgentId('agent1');

describe('a fresh engine after a lost idle one', () => {
  const run = runLab('fresh-engine');

  it('says which engine owned the campaign and never gave it up', async () => {
    const db = await freshPglite('migrated');
    try {
      const campaign = await makeCampaign(db);
      expect((await takeCampaign(db, campaign.id, 'a')).lostEngine).toBeUndefined();
      // a was lost: b takes the campaign, and hears of a.
      expect((await takeCampaign(db, campaign.id, 'b')).lostEngine).toBe('a');
      // b taking it back after its own lease's loss hears of nobody.
      expect((await takeCampaign(db, campaign.id, 'b')).lostEngine).toBeUndefined();
      // b gave the campaign up at the end of its drain: c hears of nobody.
      await releaseCampaign(db, campaign.id, 'b');
      expect((await takeCampaign(db, campaign.id, 'c')).lostEngine).toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it("removes the lost engine's idle agents' legs when it takes the campaign", async () => {
    const { lab, dataDir } = run;
    const db = await openPglite(dataDir);
    await runMigrations(db);
    const campaign = await makeCampaign(db, { pacing: { mode: 'progressive' } });
    await changeCampaignState(db, campaign.id, 'start', 'test');
    // The lost engine had taken the campaign (its lease has lapsed since), and its agent sat idle on their leg when it was killed.
    await takeCampaign(db, campaign.id, 'lost-one');
    await db.close();
    const lost = await connectEngine(lab, 'lost-one');
    lost.telephony.loginAgent(AGENT, lab.agentEndpoint(1));
    await lost.heard.next('agent.leg-up', AGENT);
    lost.telephony.close();
    const legsOf = (engine: string) => lab.server!.pbx.list().filter((c) => c.variables.get('OUTPACE_ENGINE') === engine);
    expect(legsOf('lost-one')).toHaveLength(1);

    const env = run.env('fresh-one');
    let stop!: () => void;
    const serving = await serve(env, new Promise<void>((resolve) => (stop = resolve)), campaignEngine([campaign.id], env));
    try {
      // Gone before the engine hears its agents: the agent logging in here gets one leg, not a second beside the idle one.
      expect(legsOf('lost-one')).toEqual([]);
      await expect.poll(() => lab.server!.pbx.bridges.size).toBe(0);
    } finally {
      stop();
      await serving.stopped;
    }
  });
});
