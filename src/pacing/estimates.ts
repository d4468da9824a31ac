/**
 * What the pacing core has learned about a campaign, updated from outcomes as
 * they come: the probability that an attempt ends in a person who needs an
 * agent, how long such answers take to arrive, how long other outcomes take
 * to resolve, and how long agents talk and wrap up.
 */
import { DurationDistribution } from './distribution.js';
import { FadingProportion } from './proportion.js';

/** One fact the core learns from; the engine reports each as it happens. */
export type PacingObservation =
  /** A dial resolved: either a person for an agent (live answer, or a machine the campaign passes to agents), or anything else. */
  | { readonly kind: 'resolved'; readonly needsAgent: boolean; readonly answered: boolean; readonly secondsToResolve: number }
  | { readonly kind: 'talk'; readonly seconds: number }
  | { readonly kind: 'wrap-up'; readonly seconds: number };

/**
 * Until this many dials have resolved, predictive dialing holds back to one call per ready agent; until
 * this many talks have ended, it dials ahead of the ready agents only, counting no busy agent as about to be free.
 */
export const WARM_UP = { resolvedDials: 50, talks: 10 } as const;

export class CampaignEstimates {
  /** P(an attempt ends in a person who needs an agent). */
  readonly agentDemand = new FadingProportion(400, 0.1, 2);
  /** Seconds from originate to a person ready for an agent. */
  readonly demandArrival = new DurationDistribution(400);
  /** Seconds from originate to any other resolution (busy, no answer, machine hung up, ...). */
  readonly otherResolution = new DurationDistribution(400);
  readonly talk = new DurationDistribution(300);
  readonly wrapUp = new DurationDistribution(300);

  observe(o: PacingObservation): void {
    switch (o.kind) {
      case 'resolved':
        this.agentDemand.observe(o.needsAgent);
        (o.needsAgent ? this.demandArrival : this.otherResolution).observe(o.secondsToResolve);
        break;
      case 'talk':
        this.talk.observe(o.seconds);
        break;
      case 'wrap-up':
        this.wrapUp.observe(o.seconds);
        break;
    }
  }

  /** Enough dials resolved to know the answer rate and how long answers take to arrive. */
  get answersKnown(): boolean {
    return this.agentDemand.count >= WARM_UP.resolvedDials && this.demandArrival.count > 0;
  }

  /** Enough talks and wrap-ups ended to predict when busy agents become free. */
  get agentTimesKnown(): boolean {
    return this.talk.count >= WARM_UP.talks && this.wrapUp.count > 0;
  }

  get warmedUp(): boolean {
    return this.answersKnown && this.agentTimesKnown;
  }

  /**
   * P(a call still ringing after `elapsed` s becomes a person for an agent within the next `horizon` s).
   * Bayes over the two kinds of outcome: the longer a call rings, the likelier it is a no-answer.
   */
  demandWithin(elapsed: number, horizon: number): number {
    const p = this.agentDemand.mean();
    const demandStill = p * (1 - this.demandArrival.cdf(elapsed));
    const otherStill = (1 - p) * (1 - this.otherResolution.cdf(elapsed));
    const stillRinging = demandStill + otherStill;
    if (stillRinging <= 1e-12) return 0;
    const arrives = p * (this.demandArrival.cdf(elapsed + horizon) - this.demandArrival.cdf(elapsed));
    return Math.max(0, Math.min(1, arrives / stillRinging));
  }

  /** P(an agent `elapsed` s into a call is free (talk and wrap-up done) within `horizon` s). */
  onCallFreeWithin(elapsed: number, horizon: number): number {
    // Wrap-up is short and tight next to talk: shifting by its mean keeps the tick O(1) per agent.
    const wrap = this.wrapUp.mean();
    return this.talk.endsWithin(elapsed, Math.max(0, horizon - (Number.isFinite(wrap) ? wrap : 0)));
  }

  /** P(an agent `elapsed` s into wrap-up is free within `horizon` s). */
  wrapUpFreeWithin(elapsed: number, horizon: number): number {
    return this.wrapUp.endsWithin(elapsed, horizon);
  }
}
