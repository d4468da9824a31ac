/**
 * Predictive dialing: launch calls ahead of agents becoming free, as many as
 * keep the abandons expected from them under the campaign's target.
 *
 * On each tick, for a few look-ahead horizons h (quantiles of how long a
 * person takes to answer), it estimates
 *   - supply: agents free by h plus the connect deadline (ready now, or on a
 *     call or in wrap-up that ends by then, from the learned talk and wrap-up
 *     distributions, conditioned on how long each has lasted), and
 *   - demand: people who will need an agent by h (each ringing call,
 *     conditioned on how long it has rung, plus each new call),
 * and launches the largest number of new calls for which the expected
 * shortfall of agents (expected abandons) stays under a ratio of the expected
 * live answers at every horizon. The ratio is learned from the abandons
 * actually counted (abandon-steering.ts), which corrects what the model does
 * not see and pays back a bad hour; the answer rate is taken one standard
 * error high, so that thin evidence means fewer calls.
 *
 * It never launches fewer calls than progressive dialing would (one per ready
 * agent not already covered), because those calls cannot abandon.
 *
 * Cold start: until the answer rate is known it dials progressively. Once it
 * is, and before talks are known, it dials ahead of the ready agents only:
 * the first talks to end are the short ones, so they cannot yet say when a
 * busy agent will be free, but ready agents are certain supply, and waiting
 * for the talks as well left a fresh shift at progressive occupancy for its
 * first minutes. Until the evidence supports the estimates, the calls beyond
 * the ready agents are also held within the abandons the campaign has earned
 * (cold-start.ts), whatever the model predicts.
 */
import { AbandonSteering } from '../abandon-steering.js';
import { coldStart } from '../cold-start.js';
import { InFlight, LookaheadTables, type HorizonTable } from '../lookahead.js';
import { proposal, type DialPolicy, type PolicyContext, type PolicyProposal } from '../policy.js';
import { ShortfallModel, largestWithin } from '../shortfall.js';

interface Horizon {
  readonly model: ShortfallModel;
  readonly newCallDemand: number;
}

function horizonModel(f: InFlight, t: HorizonTable, countBusyAgents: boolean): Horizon {
  const model = new ShortfallModel(f.certainSupply);
  if (countBusyAgents) {
    for (const i of f.onCall.used) model.addSupply(t.onCallFree(i), f.onCall.counts[i]!);
    for (const i of f.wrapUp.used) model.addSupply(t.wrapUpFree(i), f.wrapUp.counts[i]!);
  }
  for (const i of f.ringing.used) model.addDemand(t.ringingDemand(i), f.ringing.counts[i]!);
  return { model, newCallDemand: t.newCallDemand };
}

/** The largest n ≤ max with shortfall(n) ≤ ratio × demand(n) (both grow with n, shortfall faster). */
function largestSafe(hz: Horizon, ratio: number, max: number): number {
  return largestWithin(max, (n) =>
    hz.model.expectedShortfall(n, hz.newCallDemand) <= ratio * hz.model.expectedDemand(n, hz.newCallDemand) + 1e-9,
  );
}

export function createPredictivePolicy(): DialPolicy {
  const tables = new LookaheadTables();
  const steering = new AbandonSteering();
  const inFlight = new InFlight();
  return {
    name: 'predictive',
    propose(ctx: PolicyContext): PolicyProposal {
      const { counts, estimates: est, settings, snapshot } = ctx;
      const progressiveFloor = counts.ready - counts.ringing - counts.waiting;
      if (!est.answersKnown) return proposal(progressiveFloor, 'warming up: one call per ready agent until the answer rate is known');

      inFlight.gather(snapshot, settings);
      const floor = { certainSupply: inFlight.certainSupply, ringing: counts.ringing, active: counts.active };
      const cold = coldStart(est, settings, ctx.abandons.sinceStart, floor, ctx.maxDials);
      // While the cold start holds the calls back, live answers without abandons say nothing of the model.
      const ratio = steering.ratio(settings, ctx.abandons, cold === undefined) * (cold?.share ?? 1);
      let dials = ctx.maxDials;
      let binding: Horizon | undefined;
      for (const t of tables.get(snapshot.now, est, settings, inFlight)) {
        const hz = horizonModel(inFlight, t, est.agentTimesKnown);
        const n = largestSafe(hz, ratio, dials);
        if (!binding || n < dials) binding = hz;
        dials = Math.min(dials, n);
      }
      const held = cold?.maxDials !== undefined && cold.maxDials < dials;
      if (cold?.maxDials !== undefined) dials = Math.min(dials, cold.maxDials);
      const chosen = Math.max(dials, progressiveFloor);
      const hz = binding!;
      const note = `abandon ratio allowed ${(ratio * 100).toFixed(2)}%`;
      return proposal(chosen, held ? `${note}; cold start: held to ${cold.allowance.toFixed(2)} abandons earned` : note, {
        expectedFreeAgents: hz.model.expectedSupply,
        expectedLiveAnswers: hz.model.expectedDemand(chosen, hz.newCallDemand),
        expectedAbandons: hz.model.expectedShortfall(chosen, hz.newCallDemand),
      });
    },
  };
}
