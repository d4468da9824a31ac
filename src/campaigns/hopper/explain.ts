/**
 * "Why is nothing dialing?": for a campaign, how many leads could be dialed
 * now and how many each rule holds back. A dry hopper with no explanation is
 * the most common complaint about existing dialers.
 */
import type { CampaignId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { Queryable } from '../../storage/db.js';
import type { Campaign } from '../campaign.js';
import { ELIGIBLE, HOLD_BACK_RULES, HOLD_BACK_RULE_NAMES, HOPPER_FROM, hopperParams, type HoldBackRule } from './rules.js';

export interface HopperExplanation {
  readonly campaignId: CampaignId;
  readonly campaignState: Campaign['state'];
  readonly at: EpochMs;
  /** Leads the campaign is finished with, by why. */
  readonly finished: { readonly done: number; readonly exhausted: number; readonly doNotCall: number };
  /** Leads still to work: ready, claimed or being dialed. */
  readonly open: number;
  readonly eligibleNow: number;
  /**
   * For each rule, the open leads it holds back. A lead held back by two rules
   * counts under both, so the counts may add up to more than `open`.
   */
  readonly heldBack: Record<HoldBackRule, number>;
}

export async function explainHopper(db: Queryable, campaign: Campaign, now: EpochMs): Promise<HopperExplanation> {
  const counts = HOLD_BACK_RULE_NAMES.map((rule, i) => `count(*) FILTER (WHERE coalesce((${HOLD_BACK_RULES[rule]}), false))::int AS r${i}`);
  const open = await db.query<Record<string, number>>(
    `SELECT count(*)::int AS open, count(*) FILTER (WHERE ${ELIGIBLE})::int AS eligible, ${counts.join(', ')}
     ${HOPPER_FROM} AND l.state IN ('ready', 'claimed', 'dialing')`,
    hopperParams(campaign, now, null),
  );
  const finished = await db.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM leads WHERE campaign_id = $1 AND state IN ('done', 'exhausted', 'do-not-call') GROUP BY state`,
    [campaign.id],
  );
  const row = open.rows[0]!;
  const byState = new Map(finished.rows.map((r) => [r.state, r.n]));
  return {
    campaignId: campaign.id,
    campaignState: campaign.state,
    at: now,
    finished: { done: byState.get('done') ?? 0, exhausted: byState.get('exhausted') ?? 0, doNotCall: byState.get('do-not-call') ?? 0 },
    open: row.open!,
    eligibleNow: row.eligible!,
    heldBack: Object.fromEntries(HOLD_BACK_RULE_NAMES.map((rule, i) => [rule, row[`r${i}`]!])) as Record<HoldBackRule, number>,
  };
}
