import { getCampaign } from '../../campaigns/campaign-store.js';
import { explainHopper } from '../../campaigns/hopper/explain.js';
import { measuredFeasibility } from '../../campaigns/stats.js';
import { CampaignId } from '../../domain/ids.js';
import { openMigratedDatabase } from './database.js';

/** `outpace why CAMPAIGN`: why is nothing dialing? Leads eligible now, and what holds the others back. */
export async function whyCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const id = argv[0];
  if (!id) {
    console.error('usage: outpace why CAMPAIGN_ID');
    return 2;
  }
  const db = await openMigratedDatabase(env);
  try {
    const campaign = await getCampaign(db, CampaignId(id));
    const now = Date.now();
    const why = await explainHopper(db, campaign, now);
    console.log(`campaign ${campaign.name} (${campaign.state}): ${why.eligibleNow} of ${why.open} open leads can be dialed now`);
    for (const [rule, count] of Object.entries(why.heldBack)) if (count > 0) console.log(`  ${rule}: ${count}`);
    console.log(`finished: ${why.finished.done} done, ${why.finished.exhausted} out of attempts, ${why.finished.doNotCall} do-not-call`);
    for (const finding of await measuredFeasibility(db, campaign, now)) console.log(`compliance ${finding.severity}: ${finding.message}`);
    return 0;
  } finally {
    await db.close();
  }
}
