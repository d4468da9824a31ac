/**
 * The supervisor's floor, whole: each agent with their state, time in it,
 * campaign and current call; each running or paused campaign with its calls
 * ringing, waiting for an agent and talking, today's counters, the pacer's
 * last decision, its abandon target against the profile's legal cap, and,
 * when it dials nothing, why. Read from the live state the engines publish
 * (and storage, only to explain a campaign that runs dry); the page then
 * follows /live/events.
 */
import type { CallInFlight, CampaignPacing, Coordination } from '../coordination/coordination.js';
import { listCampaigns } from '../campaigns/campaign-store.js';
import type { Campaign } from '../campaigns/campaign.js';
import { PROFILES } from '../campaigns/compliance.js';
import { explainHopper, type HopperExplanation } from '../campaigns/hopper/explain.js';
import type { EpochMs } from '../domain/time.js';
import type { Queryable } from '../storage/db.js';

/** Where a call stands for the supervisor: ringing (dialed, not answered), waiting for an agent, talking. */
export type FloorPhase = 'ringing' | 'waiting' | 'talking';

export function floorPhase(phase: CallInFlight['phase']): FloorPhase {
  if (phase === 'connected') return 'talking';
  return phase === 'answered' ? 'waiting' : 'ringing';
}

export interface FloorCampaign {
  readonly campaign: Campaign;
  readonly legalCap: number | null;
  readonly calls: readonly CallInFlight[];
  readonly pacing: CampaignPacing | null;
  /** Why the campaign dials nothing now, in words; empty while it dials. */
  readonly whyNotDialing: readonly string[];
  readonly hopper: HopperExplanation | null;
}

export async function floorCampaigns(db: Queryable, coordination: Coordination, now: EpochMs): Promise<FloorCampaign[]> {
  const campaigns = (await listCampaigns(db)).filter((c) => c.state === 'running' || c.state === 'paused');
  return Promise.all(
    campaigns.map(async (campaign) => {
      const [calls, pacing] = await Promise.all([coordination.live.callsInFlight(campaign.id), coordination.live.pacing(campaign.id)]);
      // Storage is asked only of a campaign whose engine said its leads ran out: the floor is read often.
      const dry = campaign.state === 'running' && pacing !== null && pacing.leadsAvailable === 0;
      const hopper = dry ? await explainHopper(db, campaign, now) : null;
      return {
        campaign,
        legalCap: PROFILES[campaign.complianceProfile].law.abandonCap ?? null,
        calls,
        pacing,
        whyNotDialing: whyNotDialing(campaign, pacing, hopper),
        hopper,
      };
    }),
  );
}

const LIMITS: Record<string, string> = {
  'trunk-down': "the campaign's trunk is down (the PBX finds its carrier unreachable): dialing resumes by itself when it is back; the health check names the trunk",
  'no-active-agents': 'no agent is logged in and ready or on a call: dialing waits for agents',
  'lines-per-agent': "calls not yet connected are at the campaign's lines per agent",
  'campaign-lines': "every one of the campaign's concurrent lines is in use",
  'trunk-lines': "the trunk's lines are all in use",
  'trunk-calls-per-second': "the trunk's calls per second are used up for this second",
  // A broadcast's bounds (broadcast-pacing.ts).
  'window-closed': "the leads' calling window is closed",
  'no-leads': 'no lead is left to call',
  lines: "every one of the campaign's lines is in use",
  'calls-per-second': "the trunk's calls per second are used up for this second",
  spread: 'the calls are spread to end by the campaign\'s "finish by"',
};

/** The reasons a campaign's last decision dialed nothing, most basic first; none when it dialed. */
export function whyNotDialing(campaign: Campaign, pacing: CampaignPacing | null, hopper: HopperExplanation | null): string[] {
  if (campaign.state === 'paused') return ['the campaign is paused: start it to dial'];
  if (pacing === null) return ['no engine runs this campaign: start one with outpace run --campaign ' + campaign.id];
  if (pacing.dials > 0) return [];
  const reasons: string[] = [];
  if (pacing.limitedBy && LIMITS[pacing.limitedBy]) reasons.push(LIMITS[pacing.limitedBy]!);
  if (hopper) {
    if (hopper.open === 0) reasons.push(`no lead is left to call: ${hopper.finished.done} done, ${hopper.finished.exhausted} out of attempts, ${hopper.finished.doNotCall} do-not-call; import a list`);
    else if (hopper.eligibleNow === 0) {
      const held = Object.entries(hopper.heldBack).filter(([, n]) => n > 0).map(([rule, n]) => `${n} held back by ${rule}`);
      reasons.push(`none of the ${hopper.open} open leads may be called now: ${held.join(', ') || 'each is claimed or being dialed'}`);
    }
  } else if (pacing.leadsAvailable === 0) reasons.push('no lead at hand: the hopper is being refilled');
  if (reasons.length === 0 && pacing.proposed === 0) reasons.push(`the ${pacing.policy} policy expects the agents to be busy enough: ${pacing.expectedLiveAnswers?.toFixed(1) ?? '?'} live answers expected for ${pacing.expectedFreeAgents?.toFixed(1) ?? '?'} free agents`);
  return reasons;
}
