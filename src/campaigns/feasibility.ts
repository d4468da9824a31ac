/**
 * What a campaign's settings make of its compliance, said before it dials
 * (`outpace run`'s log, the API's campaign view, "why"), with the arithmetic:
 *
 * - machine detection that hangs up on machines, under a profile that counts
 *   its false positives as abandons (UK): the estimated false positives alone
 *   may use up the abandon target before pacing abandons one call;
 * - a connect deadline counted from the answer while machine detection takes
 *   about two seconds to decide: most live answers are abandoned whatever the
 *   dial mode;
 * - a target above the law's cap, or a calling window wider than the law's:
 *   refused when a campaign is saved (see `lawBreaches`) unless the campaign
 *   overrides the rule explicitly, and then flagged here.
 */
import { z } from 'zod';
import { WEEKDAYS } from './calling-window.js';
import type { Campaign } from './campaign.js';
import { effectiveRules, PROFILES, type DialingRuleOverrides, type ComplianceProfile } from './compliance.js';
import type { PacingSettings } from '../pacing/settings.js';

/** Rules of law a campaign may explicitly dial beyond, on its operator's responsibility. */
export const LAW_OVERRIDES = ['abandon-target', 'calling-window'] as const;
export type LawOverride = (typeof LAW_OVERRIDES)[number];
export const lawOverridesSchema = z.array(z.enum(LAW_OVERRIDES)).max(LAW_OVERRIDES.length);

export interface ComplianceFinding {
  readonly rule: 'detection-false-positives' | 'connect-deadline' | LawOverride;
  /** infeasible: the target cannot be met as set; warning: it leaves pacing little room; overridden: dialing beyond the law, as asked. */
  readonly severity: 'infeasible' | 'warning' | 'overridden';
  readonly message: string;
  readonly figures: Readonly<Record<string, number>>;
}

/** Machine verdicts as a share of answered calls, assumed until the campaign has answers enough to measure it. */
export const ASSUMED_MACHINE_SHARE = 0.15;
/** Answered calls from which the campaign's own machine share replaces the assumption. */
export const MEASURED_FROM_ANSWERS = 200;
/** How long machine detection takes to decide that a person answered (Asterisk AMD: about 1.8 to 2 s of greeting). */
export const DETECTION_DECISION_SEC = 2;
/** Time to find a free agent and bridge, under which the deadline leaves no real chance. */
const CONNECT_MARGIN_SEC = 0.5;

/** What the campaign has measured so far, when it has dialed. */
export interface ObservedAnswers {
  readonly answered: number;
  readonly machines: number;
}

export function complianceFeasibility(campaign: Campaign, observed?: ObservedAnswers): ComplianceFinding[] {
  const findings: ComplianceFinding[] = [];
  const { pacing } = campaign;
  const falsePositives = falsePositiveFinding(campaign.complianceProfile, pacing, observed);
  if (falsePositives) findings.push(falsePositives);
  const deadline = connectDeadlineFinding(pacing);
  if (deadline) findings.push(deadline);
  for (const breach of lawBreaches(campaign.complianceProfile, pacing, campaign.rules)) {
    if (campaign.complianceOverrides.includes(breach.rule)) {
      findings.push({ rule: breach.rule, severity: 'overridden', message: `dialing beyond the law, as complianceOverrides asks: ${breach.message}`, figures: breach.figures });
    }
  }
  return findings;
}

/** A share as a person reads it: 0.03 → 3.0%. */
export const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

function falsePositiveFinding(profile: ComplianceProfile, pacing: PacingSettings, observed: ObservedAnswers | undefined): ComplianceFinding | undefined {
  if (!pacing.machineDetection || pacing.machinePolicy === 'to-agent' || !pacing.countDetectionFalsePositivesAsAbandoned) return undefined;
  const measured = observed !== undefined && observed.answered >= MEASURED_FROM_ANSWERS;
  const machineShare = measured ? observed.machines / observed.answered : ASSUMED_MACHINE_SHARE;
  const rate = pacing.detectionFalsePositiveRate;
  // Per answered call: rate × machine verdicts become abandoned people; live answers are the rest plus them.
  const falsePositives = rate * machineShare;
  const floor = falsePositives / (1 - machineShare + falsePositives);
  const target = pacing.abandonTarget;
  if (floor < target / 2) return undefined;
  const basis = measured
    ? `machines at ${percent(machineShare)} of this campaign's ${observed.answered} answered calls`
    : `machines at an assumed ${percent(machineShare)} of answered calls (measured once the campaign has ${MEASURED_FROM_ANSWERS} answers)`;
  return {
    rule: 'detection-false-positives',
    severity: floor >= target ? 'infeasible' : 'warning',
    message:
      `machine detection hangs up on machines and the ${profile} profile counts its false positives as abandoned calls: with ${basis} ` +
      `and an estimated ${percent(rate)} of machine verdicts being people, false positives alone make ${percent(floor)} of live answers abandoned, ` +
      `against a target of ${percent(target)}, before pacing abandons any call. To change: turn machine detection off, send machines to agents ` +
      `(machinePolicy to-agent), or lower detectionFalsePositiveRate with an estimate backed by sampling the recordings of machine verdicts`,
    figures: { machineShare, detectionFalsePositiveRate: rate, falsePositiveAbandonRate: floor, abandonTarget: target },
  };
}

function connectDeadlineFinding(pacing: PacingSettings): ComplianceFinding | undefined {
  if (!pacing.machineDetection || pacing.connectDeadlineFrom !== 'answer') return undefined;
  const left = pacing.connectDeadlineSec - DETECTION_DECISION_SEC;
  if (left >= 2 * CONNECT_MARGIN_SEC) return undefined;
  return {
    rule: 'connect-deadline',
    severity: left < CONNECT_MARGIN_SEC ? 'infeasible' : 'warning',
    message:
      `the connect deadline counts from the answer (${pacing.connectDeadlineSec} s) while machine detection takes about ${DETECTION_DECISION_SEC} s to decide ` +
      `that a person answered: ${Math.max(0, left).toFixed(1)} s are left to find an agent and bridge, so most live answers are abandoned in every dial mode. ` +
      `To change: count the deadline from the end of the greeting (connectDeadlineFrom greeting-end, where the rule allows it), or turn machine detection off`,
    figures: { connectDeadlineSec: pacing.connectDeadlineSec, detectionDecisionSec: DETECTION_DECISION_SEC, secondsLeft: Math.max(0, left) },
  };
}

export interface LawBreach {
  readonly rule: LawOverride;
  /** The field at fault, for the error that refuses it. */
  readonly field: string;
  readonly message: string;
  readonly figures: Readonly<Record<string, number>>;
}

/** Where the settings go beyond the profile's law: a target above its cap, a window open outside its hours. */
export function lawBreaches(profile: ComplianceProfile, pacing: PacingSettings, rules: DialingRuleOverrides): LawBreach[] {
  const law = PROFILES[profile].law;
  const breaches: LawBreach[] = [];
  if (law.abandonCap !== undefined && pacing.abandonTarget > law.abandonCap) {
    breaches.push({
      rule: 'abandon-target',
      field: 'pacing.abandonTarget',
      message: `an abandon target of ${percent(pacing.abandonTarget)} is above the ${profile} profile's legal cap of ${percent(law.abandonCap)} (${law.source})`,
      figures: { abandonTarget: pacing.abandonTarget, legalCap: law.abandonCap },
    });
  }
  if (law.callingWindow) {
    const window = effectiveRules(profile, rules).callingWindow;
    const wider = WEEKDAYS.filter((day) => {
      const asked = window.days[day];
      const allowed = law.callingWindow!.days[day];
      return asked !== null && (allowed === null || asked.start < allowed.start || asked.end > allowed.end);
    });
    if (wider.length > 0) {
      breaches.push({
        rule: 'calling-window',
        field: 'rules.callingWindow',
        message: `the calling window is open beyond the ${profile} profile's legal hours on ${wider.join(', ')} (${law.source})`,
        figures: { daysBeyondLaw: wider.length },
      });
    }
  }
  return breaches;
}
