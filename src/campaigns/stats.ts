/**
 * Historical campaign statistics from the attempts, with the KPI definitions
 * of the brief: connect rate = answered (live or machine) / attempts; live
 * answer rate = live / attempts; abandon rate = abandoned live answers / live
 * answers, over the campaign's regulatory window. Under Ofcom's rule (the
 * campaign's countDetectionFalsePositivesAsAbandoned), machine verdicts that
 * were really people are estimated and counted as abandoned live answers.
 */
import { HOUR, type EpochMs } from '../domain/time.js';
import type { Queryable } from '../storage/db.js';
import type { Campaign } from './campaign.js';
import { complianceFeasibility, type ComplianceFinding } from './feasibility.js';

export interface CampaignStats {
  readonly windowHours: number;
  readonly from: Date;
  readonly to: Date;
  readonly dials: number;
  readonly answered: number;
  readonly liveAnswers: number;
  readonly connects: number;
  readonly abandons: number;
  /** Machine verdicts estimated to have been people (UK); 0 when the campaign does not count them. */
  readonly estimatedFalsePositives: number;
  readonly connectRate: number | null;
  readonly liveAnswerRate: number | null;
  readonly abandonRate: number | null;
}

export async function campaignStats(db: Queryable, campaign: Campaign, now: EpochMs): Promise<CampaignStats> {
  const windowHours = campaign.pacing.abandonWindowHours;
  const from = new Date(now - windowHours * HOUR);
  const { rows } = await db.query<{ dials: number; answered: number; live: number; connects: number; abandons: number; machines: number }>(
    `SELECT count(*)::int AS dials,
            count(*) FILTER (WHERE outcome IN ('live', 'machine'))::int AS answered,
            count(*) FILTER (WHERE outcome = 'live')::int AS live,
            count(*) FILTER (WHERE connected_at IS NOT NULL)::int AS connects,
            count(*) FILTER (WHERE outcome = 'live' AND abandoned)::int AS abandons,
            count(*) FILTER (WHERE outcome = 'machine')::int AS machines
       FROM attempts WHERE campaign_id = $1 AND originated_at > $2 AND originated_at <= $3`,
    [campaign.id, from, new Date(now)],
  );
  const r = rows[0]!;
  const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);
  const falsePositives = campaign.pacing.countDetectionFalsePositivesAsAbandoned ? r.machines * campaign.pacing.detectionFalsePositiveRate : 0;
  return {
    windowHours,
    from,
    to: new Date(now),
    dials: r.dials,
    answered: r.answered,
    liveAnswers: r.live,
    connects: r.connects,
    abandons: r.abandons,
    estimatedFalsePositives: falsePositives,
    connectRate: ratio(r.answered, r.dials),
    liveAnswerRate: ratio(r.live, r.dials),
    abandonRate: ratio(r.abandons + falsePositives, r.live + falsePositives),
  };
}

/** What the campaign's settings make of compliance, with its own machine share once it has answers enough. */
export async function measuredFeasibility(db: Queryable, campaign: Campaign, now: EpochMs): Promise<ComplianceFinding[]> {
  const stats = await campaignStats(db, campaign, now);
  return complianceFeasibility(campaign, { answered: stats.answered, machines: stats.answered - stats.liveAnswers });
}
