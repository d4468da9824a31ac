/**
 * The plain look-ahead policy, as a yardstick for the benchmark (not a dial
 * mode): launch calls while expected live answers within the median answer
 * time plus two standard deviations stay under the expected free agents.
 * The occupancy floors were set from this policy in an independent
 * simulation, so running it in outpace's simulator shows what those floors
 * mean here. It has no abandon steering and no safety floor of its own.
 */
import { proposal, type DialPolicy } from '../policy.js';

export function lookaheadReferencePolicy(deviations = 2): DialPolicy {
  return {
    name: 'lookahead-reference',
    propose({ snapshot: s, counts, estimates: est, maxDials }) {
      const progressiveFloor = counts.ready - counts.ringing - counts.waiting;
      if (!est.warmedUp) return proposal(progressiveFloor, 'warming up');
      const h = est.demandArrival.quantile(0.5);
      const nowSec = s.now / 1000;
      let free = -counts.waiting;
      for (const a of s.agents) {
        if (a.pausePending) continue;
        if (a.state === 'ready') free++;
        else if (a.state === 'on-call' || a.state === 'reserved') free += est.onCallFreeWithin(nowSec - (a.callStartedAt ?? a.stateSince) / 1000, h);
        else if (a.state === 'wrap-up') free += est.wrapUpFreeWithin(nowSec - a.stateSince / 1000, h);
      }
      let mean = 0, variance = 0;
      for (const c of s.calls) {
        if (c.phase !== 'ringing') continue;
        const q = est.demandWithin(nowSec - c.originatedAt / 1000, h);
        mean += q;
        variance += q * (1 - q);
      }
      const g = est.agentDemand.mean() * est.demandArrival.cdf(h);
      let n = 0;
      while (n < maxDials && mean + (n + 1) * g + deviations * Math.sqrt(variance + (n + 1) * g * (1 - g)) <= free) n++;
      return proposal(Math.max(n, progressiveFloor), `${n} within ${deviations} sd`);
    },
  };
}
