/**
 * The published settings each baseline runs at: its default (the row other
 * tools read) and a small sweep from its most conservative setting up, so
 * that each baseline draws a frontier of abandon against occupancy and
 * predictive is compared with the baseline's best setting at predictive's
 * abandon rate, not with one setting at a very different abandon rate.
 */
import type { DialPolicy } from '../pacing/policy.js';
import { ADAPTIVE_BASELINE_DEFAULTS, adaptiveBaselinePolicy, type AdaptiveBaselineOptions } from '../pacing/policies/adaptive-baseline.js';
import {
  PROBABILISTIC_BASELINE_DEFAULTS,
  probabilisticBaselinePolicy,
  type ProbabilisticBaselineOptions,
} from '../pacing/policies/probabilistic-baseline.js';

export const BASELINE_MODES = ['adaptive-baseline', 'probabilistic-baseline'] as const;
export type BaselineMode = (typeof BASELINE_MODES)[number];

/** Plain data, so that it travels to a worker thread with its job. */
export type BaselineSetting =
  | { readonly mode: 'adaptive-baseline'; readonly label: string; readonly options: AdaptiveBaselineOptions }
  | { readonly mode: 'probabilistic-baseline'; readonly label: string; readonly options: ProbabilisticBaselineOptions };

const marked = (label: string, isDefault: boolean) => (isDefault ? `${label} (default)` : label);

/**
 * VICIdial's adaptive maximum level (at 1.0 it never dials more lines than agents: progressive dialing) and its
 * dial-level difference target (below 0 it aims to keep agents waiting rather than calls).
 */
function adaptive(maxLevel: number, diffTarget: number): BaselineSetting {
  const d = ADAPTIVE_BASELINE_DEFAULTS;
  return {
    mode: 'adaptive-baseline',
    label: marked(`maxLevel ${maxLevel.toFixed(1)}, diffTarget ${diffTarget}`, maxLevel === d.maxLevel && diffTarget === d.diffTarget),
    options: { ...d, maxLevel, diffTarget },
  };
}

/** Issabel's overcommit switch and QOS threshold: overcommit off at QOS 0.97 is its most careful setting. */
function probabilistic(overcommit: boolean, qos: number): BaselineSetting {
  const d = PROBABILISTIC_BASELINE_DEFAULTS;
  return {
    mode: 'probabilistic-baseline',
    label: marked(`overcommit ${overcommit ? 'on' : 'off'}, QOS ${qos}`, overcommit === d.overcommit && qos === d.qos),
    options: { overcommit, qos },
  };
}

export const BASELINE_DEFAULT_SETTINGS: Readonly<Record<BaselineMode, BaselineSetting>> = {
  'adaptive-baseline': adaptive(ADAPTIVE_BASELINE_DEFAULTS.maxLevel, ADAPTIVE_BASELINE_DEFAULTS.diffTarget),
  'probabilistic-baseline': probabilistic(PROBABILISTIC_BASELINE_DEFAULTS.overcommit, PROBABILISTIC_BASELINE_DEFAULTS.qos),
};

/**
 * Besides the defaults, most conservative first; a few each, as every one is a shift per scenario and seed. The
 * adaptive level runs to its cap whatever the cap above 1.5 (2.0 abandons as much as 3.0), so the sweep spends its
 * settings below that, and on aiming for idle agents at the default cap.
 */
export const BASELINE_SWEEP: readonly BaselineSetting[] = [
  adaptive(1, 0),
  adaptive(1.2, 0),
  adaptive(1.5, 0),
  adaptive(3, -2),
  probabilistic(false, 0.97),
  probabilistic(false, 0.9),
  probabilistic(false, 0.8),
];

export function baselinePolicy(s: BaselineSetting): DialPolicy {
  return s.mode === 'adaptive-baseline' ? adaptiveBaselinePolicy(s.options) : probabilisticBaselinePolicy(s.options);
}

export const isBaselineMode = (mode: string): mode is BaselineMode => (BASELINE_MODES as readonly string[]).includes(mode);
