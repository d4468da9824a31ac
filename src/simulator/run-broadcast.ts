/**
 * A whole broadcast campaign on virtual time: the broadcast pacer and the
 * trunk limiter decide each second how many calls to launch, BroadcastCalls
 * runs each answered call's key flow over the simulated IVR, and the run
 * measures what a carrier would: lines in use and call attempts per second.
 */
import { AgentId, AttemptId, CampaignId, E164, LeadId, TrunkId } from '../domain/ids.js';
import { type EpochMs, SECOND } from '../domain/time.js';
import { TrunkLimiter } from '../engine/trunk-limiter.js';
import { BroadcastCalls } from '../ivr/broadcast-calls.js';
import { type BroadcastMachinePolicy, type BroadcastMessage, parseBroadcastMessage } from '../ivr/message.js';
import type { BroadcastOutcome } from '../ivr/outcome.js';
import { renderMessage } from '../ivr/render.js';
import { BroadcastPacer, type FinishProjection } from '../pacing/broadcast-pacing.js';
import { SimulatedTime } from './event-queue.js';
import { Random } from './random.js';
import { type BroadcastAudience, SimulatedIvr, TYPICAL_AUDIENCE } from './simulated-ivr.js';

export interface BroadcastRunOptions {
  readonly leads: number;
  readonly maxLines: number;
  readonly maxCallsPerSecond: number;
  /** "Finish by": this long after the start. */
  readonly targetAfterMs?: number;
  readonly audience?: BroadcastAudience;
  readonly seed?: number;
  /** Share of key-1 callers who find an agent free. */
  readonly agentsFree?: number;
  /** The campaign's machine policy (pacing.machinePolicy, through broadcastMachinePolicy); leave-message by default. */
  readonly machinePolicy?: BroadcastMachinePolicy;
}

export interface BroadcastRunReport {
  /** From the start to the end of the last call (an agent conversation after key 1 may run past the target). */
  readonly simulatedMs: number;
  /** From the start to the last call attempt. */
  readonly lastDialMs: number;
  readonly dials: number;
  readonly peakLines: number;
  /** The most call attempts started within any one second (a sliding window). */
  readonly peakCallsPerSecond: number;
  readonly outcomes: Partial<Record<BroadcastOutcome, number>>;
  readonly callbacksScheduled: number;
  readonly optOuts: number;
  /** The projection at the start: whether the target can be met. */
  readonly projection: FinishProjection;
}

const START: EpochMs = Date.UTC(2026, 10, 23, 9, 0);
/** A prior for how long a broadcast call holds a line, before any is measured. */
const PRIOR_HOLD_MS = 30 * SECOND;

const MESSAGE: BroadcastMessage = parseBroadcastMessage(
  JSON.stringify({
    promptSet: 'bill-reminder',
    parts: [{ prompt: 'intro' }, { prompt: 'bill-amount' }, { say: 'money', field: 'amount' }, { prompt: 'due-on' }, { say: 'date', field: 'due' }, { prompt: 'menu' }],
    menu: { agentCampaignId: 'agents', keyTimeoutSec: 5, maxPlays: 2, agentWaitSec: 2 },
  }),
);
const RENDERED = renderMessage(MESSAGE, { amount: '128.50', due: '2026-12-05' });

export function runBroadcast(o: BroadcastRunOptions): BroadcastRunReport {
  const time = new SimulatedTime(START);
  const ivr = new SimulatedIvr(time, o.audience ?? TYPICAL_AUDIENCE, o.seed ?? 1);
  const trunk = new TrunkLimiter({ id: 'carrier', maxLines: o.maxLines, maxCallsPerSecond: o.maxCallsPerSecond });
  const pacer = new BroadcastPacer();
  const outcomes: Partial<Record<BroadcastOutcome, number>> = {};
  const starts: EpochMs[] = [];
  let callbacksScheduled = 0;
  let optOuts = 0;
  const agentDraws = Random.stream(o.seed ?? 1, 'free-agent', 0);
  let linesInUse = 0;
  let peakLines = 0;
  let holdTotalMs = 0;
  let holdCount = 0;
  const startedAt = new Map<string, EpochMs>();
  let lastEndAt = START;

  const calls = new BroadcastCalls({
    telephony: ivr,
    ivr,
    scheduler: time,
    desk: {
      requestAgent: (_call, _campaign, give) => {
        if (agentDraws.next() < (o.agentsFree ?? 0.5)) give(AgentId('agent'));
        return () => undefined;
      },
      optOut: async () => void optOuts++,
      scheduleCallback: async () => void callbacksScheduled++,
      countAbandon: () => undefined,
      finished: (_call, result) => (outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1),
      failed: (_call, what, err) => {
        throw new Error(`${what}: ${String(err)}`);
      },
    },
  });
  // A line is in use from the originate to the call's end (failed or ended), as the carrier counts it.
  ivr.subscribe((e) => {
    if (e.type !== 'call.failed' && e.type !== 'call.ended') return;
    trunk.release();
    linesInUse--;
    holdTotalMs += e.at - (startedAt.get(e.attemptId) ?? e.at);
    holdCount++;
    startedAt.delete(e.attemptId);
    lastEndAt = Math.max(lastEndAt, e.at);
  });

  let left = o.leads;
  let dials = 0;
  const targetEndAt = o.targetAfterMs === undefined ? undefined : START + o.targetAfterMs;
  let projection: FinishProjection | undefined;
  const tick = () => {
    const now = time.now();
    const decision = pacer.decide({
      now,
      leadsLeft: left,
      linesInUse,
      maxLines: o.maxLines,
      maxCallsPerSecond: o.maxCallsPerSecond,
      callsAllowedNow: Math.min(trunk.callsAllowedNow(now), trunk.linesFree()),
      windowClosesAt: START + 12 * 3600 * SECOND,
      targetEndAt,
      meanLineHoldMs: holdCount > 100 ? holdTotalMs / holdCount : PRIOR_HOLD_MS,
    });
    projection ??= decision.finish;
    for (let i = 0; i < decision.launch; i++) {
      const n = dials++;
      const attemptId = AttemptId(`a${n}`);
      const number = E164(`+1555${String(n).padStart(7, '0')}`);
      trunk.seize(now);
      linesInUse++;
      peakLines = Math.max(peakLines, linesInUse);
      starts.push(now);
      startedAt.set(attemptId, now);
      calls.track({ attemptId, leadId: LeadId(`l${n}`), campaignId: CampaignId('broadcast'), number }, MESSAGE, RENDERED, o.machinePolicy ?? 'leave-message');
      ivr.originate({ attemptId, campaignId: CampaignId('broadcast'), leadId: LeadId(`l${n}`), number, callerId: '+12025550100', trunk: TrunkId('carrier'), ringTimeoutSec: 25, machineDetection: true });
    }
    left -= decision.launch;
    if (left > 0 || linesInUse > 0) time.after(SECOND, tick);
  };
  time.after(0, tick);
  let end = START;
  while (left > 0 || linesInUse > 0) {
    end += 3600 * SECOND;
    time.runUntil(end);
  }
  calls.close();
  return {
    simulatedMs: lastEndAt - START,
    lastDialMs: (starts.at(-1) ?? START) - START,
    dials,
    peakLines,
    peakCallsPerSecond: peakPerSecond(starts),
    outcomes,
    callbacksScheduled,
    optOuts,
    projection: projection!,
  };
}

/** The most starts within any window of one second ([t, t + 1 s)); `starts` is in time order. */
export function peakPerSecond(starts: readonly EpochMs[]): number {
  let peak = 0;
  let first = 0;
  for (let last = 0; last < starts.length; last++) {
    while (starts[last]! - starts[first]! >= SECOND) first++;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}
