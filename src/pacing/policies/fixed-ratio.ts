/**
 * Progressive and power dialing: a fixed number of calls in flight per ready
 * agent. Progressive (one per agent) cannot abandon while agents stay ready;
 * power trades abandons for less waiting by a ratio the manager sets.
 * Preview launches nothing by itself: the agent asks for each call.
 */
import { proposal, type DialPolicy } from '../policy.js';

export function fixedRatioPolicy(name: string, linesPerReadyAgent: number): DialPolicy {
  return {
    name,
    propose({ counts }) {
      const wanted = Math.floor(counts.ready * linesPerReadyAgent) - counts.ringing - counts.waiting;
      return proposal(wanted, `${linesPerReadyAgent} line(s) per ready agent`);
    },
  };
}

export const previewPolicy: DialPolicy = {
  name: 'preview',
  propose: () => proposal(0, 'preview: agents launch each call'),
};
