import type { PacingDecision } from '../../src/pacing/pacer.js';

/** A predictive decision that launched 3 calls for 3 active agents; `o` changes what a test is about. */
export function pacingDecision(at: number, o: Partial<PacingDecision> = {}): PacingDecision {
  return {
    at,
    policy: 'predictive',
    dials: 3,
    proposed: 3,
    limitedBy: null,
    dialLevel: 1.5,
    expectedFreeAgents: 2.5,
    expectedLiveAnswers: 2.2,
    expectedAbandons: 0.03,
    note: '',
    counts: { ready: 2, reserved: 0, onCall: 1, wrapUp: 0, paused: 0, active: 3, ringing: 2, waiting: 0, connecting: 0, callsInFlight: 3 },
    estimates: { warmedUp: true, agentDemandRate: 0.1, meanAnswerSec: 8, meanTalkSec: 60, meanWrapUpSec: 10 },
    abandonRate: 0.011,
    abandonRateLastHour: 0.02,
    detectionFalsePositives: null,
    leadsAvailable: 30,
    ...o,
  };
}
