/**
 * The simulated customers. Lead i is a person (or a machine, or a dead
 * number) whose every trait is drawn from its own random stream, so every
 * dial mode meets the same lead the same way. What a dial reaches depends on
 * the shares in force when it is dialed, so answer rates can change mid-shift.
 */
import { E164, LeadId } from '../domain/ids.js';
import type { Lead, LeadSource } from '../campaigns/lead-source.js';
import type { EpochMs } from '../domain/time.js';
import { HOUR } from '../domain/time.js';
import { Random } from './random.js';
import type { DurationSpec, OutcomeMix, Scenario } from './scenario.js';

export type Reached = 'live' | 'machine' | 'busy' | 'congestion' | 'invalid' | 'no-answer';

export interface LeadProfile {
  readonly reached: Reached;
  /** Seconds from originate to answer or to the network's verdict. */
  readonly ringSec: number;
  readonly talkSec: number;
  readonly wrapUpSec: number;
  readonly patienceSec: number;
  /** Machine detection's verdict delay after answer, and whether it errs on this call. */
  readonly decisionSec: number;
  readonly detectionErrs: boolean;
}

export function draw(r: Random, spec: DurationSpec): number {
  return spec.shape === 'gamma' ? r.gamma(spec.mean, spec.sd) : r.lognormal(spec.mean, spec.sd);
}

export class Population implements LeadSource {
  private nextIndex = 0;
  private readonly changes: { at: EpochMs; outcomes: OutcomeMix }[];

  constructor(
    private readonly scenario: Scenario,
    private readonly seed: number,
    shiftStart: EpochMs,
  ) {
    this.changes = scenario.changes
      .map((c) => ({ at: shiftStart + c.atHour * HOUR, outcomes: c.outcomes }))
      .sort((a, b) => a.at - b.at);
  }

  available(): number {
    return Number.MAX_SAFE_INTEGER;
  }

  take(): Lead {
    const i = this.nextIndex++;
    return { id: LeadId(String(i)), number: E164(`+1555${String(i).padStart(7, '0')}`) };
  }

  /** The shares in force at `at`. */
  mixAt(at: EpochMs): OutcomeMix {
    let mix = this.scenario.outcomes;
    for (const c of this.changes) if (c.at <= at) mix = c.outcomes;
    return mix;
  }

  profile(lead: Lead, dialedAt: EpochMs): LeadProfile {
    // Keyed by the number (its last seven digits: lead i of take() is +1555 then i), so stored leads with uuid ids get their person too.
    const r = Random.stream(this.seed, 'lead', Number(lead.number.slice(-7)));
    const s = this.scenario;
    const u = r.next();
    const m = this.mixAt(dialedAt);
    let reached: Reached = 'no-answer';
    let edge = 0;
    for (const [kind, share] of [
      ['live', m.live],
      ['machine', m.machine],
      ['busy', m.busy],
      ['congestion', m.congestion],
      ['invalid', m.invalid],
    ] as const) {
      edge += share;
      if (u < edge) {
        reached = kind;
        break;
      }
    }
    // Every trait is drawn in a fixed order whatever the outcome, so traits stay paired with the lead.
    const ring = {
      live: draw(r, s.ringSec.live),
      machine: draw(r, s.ringSec.machine),
      busy: draw(r, s.ringSec.busy),
      congestion: draw(r, s.ringSec.congestion),
      invalid: draw(r, s.ringSec.invalid),
    };
    const talkSec = draw(r, s.talkSec);
    const wrapUpSec = draw(r, s.wrapUpSec);
    const patienceSec = draw(r, s.patienceSec);
    const humanDecision = draw(r, s.machineDetection.humanDecisionSec);
    const machineDecision = draw(r, s.machineDetection.machineDecisionSec);
    const machineTalk = draw(r, s.machineTalkSec);
    const errs = r.next();
    const isMachine = reached === 'machine';
    return {
      reached,
      ringSec: reached === 'no-answer' ? Infinity : ring[reached],
      talkSec: isMachine ? machineTalk : talkSec,
      wrapUpSec: isMachine ? Math.min(wrapUpSec, 3) : wrapUpSec,
      patienceSec,
      decisionSec: isMachine ? machineDecision : humanDecision,
      detectionErrs: errs < (isMachine ? s.machineDetection.falseNegativeRate : s.machineDetection.falsePositiveRate),
    };
  }
}
