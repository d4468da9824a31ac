/**
 * What an agent's disposition means to quality inspection, in the
 * disposition's own transaction (the loop is never lost, nor opened twice):
 * - the call of an open loop (a corrective call, a trial confirmation call)
 *   brings the loop the result its disposition stands for in the campaign's
 *   QA plan; a disposition that stands for none leaves the loop where it is,
 *   with a note, for QA to record the result by hand;
 * - a sale of a trial product (a corrective call's too) opens the loop of
 *   its two confirmation calls before charging, the first scheduled now,
 *   unless the lead has one open.
 * A correction after the call (a supervisor's, QA's) follows the sale
 * instead: corrected away from a sale, its confirmations close; corrected to
 * a trial sale, they open.
 */
import type { AttemptId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { Queryable } from '../storage/db.js';
import { advanceLoop, closeTrialLoops, LOOP_RESULTS, type LoopResult, loopsCalledBy, noteOnLoop, openTrialLoop, type QaLoop } from './qa-loops.js';
import { DEFAULT_SAMPLING_PLAN, type SamplingPlan, samplingPlanSchema } from './sampling-plan.js';

export async function followUpDisposition(tx: Queryable, attemptId: AttemptId, code: string, actor: string, now: EpochMs): Promise<QaLoop[]> {
  const sale = await saleOf(tx, attemptId, code);
  if (!sale) return [];
  const called = await loopsCalledBy(tx, attemptId);
  const moved: QaLoop[] = [];
  for (const loop of called) {
    const result = resultOf(sale.plan, loop.kind, code);
    const what = `call ${attemptId} dispositioned ${code}`;
    moved.push(
      result === undefined
        ? await noteOnLoop(tx, loop.id, actor, `${what}: no result of a ${loop.kind} loop; record it by hand`, now)
        : await advanceLoop(tx, loop, result, sale.plan, actor, `${what} (${result})`, now),
    );
  }
  // A corrective call that sells again is a sale of its own, whose confirmations follow; a confirmation call is not.
  if (sale.trialSale && !sale.openTrial && !called.some((l) => l.kind === 'trial-confirmation')) moved.push(await openTrialLoop(tx, { attemptId, reviewId: null, plan: sale.plan, actor, now }));
  return moved;
}

/** A disposition corrected after the call: the sale's confirmations follow what the call now is. */
export async function followUpCorrection(tx: Queryable, attemptId: AttemptId, code: string, actor: string, now: EpochMs): Promise<QaLoop[]> {
  const sale = await saleOf(tx, attemptId, code);
  if (!sale) return [];
  if (!sale.plan.corrective.saleDispositions.includes(code)) return closeTrialLoops(tx, attemptId, `the sale was corrected to ${code}: not to be charged`, actor, now);
  return sale.trialSale && !sale.openTrial ? [await openTrialLoop(tx, { attemptId, reviewId: null, plan: sale.plan, actor, now })] : [];
}

interface Sale {
  readonly plan: SamplingPlan;
  /** The disposition is a sale (the plan's) of a trial product (the lead's field). */
  readonly trialSale: boolean;
  /** The lead has a trial loop open. */
  readonly openTrial: boolean;
}

async function saleOf(tx: Queryable, attemptId: AttemptId, code: string): Promise<Sale | undefined> {
  const { rows } = await tx.query<{ plan: unknown; fields: Record<string, unknown>; open_trial: boolean }>(
    `SELECT p.plan, l.custom_fields AS fields,
            EXISTS (SELECT 1 FROM qa_loops q WHERE q.lead_id = a.lead_id AND q.kind = 'trial-confirmation' AND q.state = 'open') AS open_trial
       FROM attempts a JOIN leads l ON l.id = a.lead_id LEFT JOIN qa_plans p ON p.campaign_id = a.campaign_id WHERE a.id = $1::uuid`,
    [attemptId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const plan = row.plan === null ? DEFAULT_SAMPLING_PLAN : samplingPlanSchema.parse(row.plan);
  return { plan, trialSale: plan.corrective.saleDispositions.includes(code) && Boolean(row.fields[plan.trial.field]), openTrial: row.open_trial };
}

/** The result a disposition of a loop's call stands for, in the plan; none if the plan names it for no result of the loop's kind. */
export function resultOf(plan: SamplingPlan, kind: QaLoop['kind'], code: string): LoopResult | undefined {
  const results: Record<string, readonly string[]> = kind === 'trial-confirmation' ? plan.trial.results : plan.corrective.results;
  return LOOP_RESULTS[kind].find((result) => results[result]?.includes(code));
}
