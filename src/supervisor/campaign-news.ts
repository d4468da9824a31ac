/**
 * A campaign's state, dial mode and abandon target, told on the live events
 * when someone changes them (a supervisor's page, the API, a script), so that
 * every open supervisor page follows without a reload.
 */
import type { Campaign } from '../campaigns/campaign.js';
import type { LiveState } from '../coordination/coordination.js';
import type { EpochMs } from '../domain/time.js';

export async function announceCampaign(
  live: LiveState,
  campaign: Campaign,
  change: { readonly by: string; readonly at: EpochMs },
  log: { warn(details: object, message: string): void },
): Promise<void> {
  const news = { campaignId: campaign.id, state: campaign.state, mode: campaign.pacing.mode, abandonTarget: campaign.pacing.abandonTarget, ...change };
  // The change is stored: a page that misses the news sees it on its next read of the floor.
  await live.campaignNews(news).catch((err: unknown) => log.warn({ err, news }, 'campaign change not shown on the live events'));
}
