/**
 * The dial modes the benchmark compares, each as the simulator runs it:
 * outpace's own modes through the campaign's settings, the two baselines as
 * policies in their place.
 */
import type { DialPolicy } from '../pacing/policy.js';
import { lookaheadReferencePolicy } from '../pacing/policies/lookahead-reference.js';
import type { PacingSettings } from '../pacing/settings.js';
import { BASELINE_DEFAULT_SETTINGS, baselinePolicy, type BaselineSetting } from './baseline-settings.js';

export const BENCH_MODES = ['progressive', 'power', 'adaptive-baseline', 'probabilistic-baseline', 'predictive'] as const;
/** Run beside the modes as a yardstick; reported apart from the rows other tools read. */
export const REFERENCE_MODES = ['lookahead-reference'] as const;
export type BenchMode = (typeof BENCH_MODES)[number] | (typeof REFERENCE_MODES)[number];

export interface ModeSetup {
  readonly settings: Partial<PacingSettings>;
  readonly policy?: DialPolicy;
}

/** @param setting for a baseline mode, the setting to run it at instead of its default */
export function modeSetup(mode: BenchMode, setting?: BaselineSetting): ModeSetup {
  switch (mode) {
    case 'progressive':
      return { settings: { mode: 'progressive' } };
    case 'power':
      return { settings: { mode: 'power', powerLinesPerAgent: 2 } };
    case 'adaptive-baseline':
    case 'probabilistic-baseline':
      return { settings: { mode: 'predictive' }, policy: baselinePolicy(setting ?? BASELINE_DEFAULT_SETTINGS[mode]) };
    case 'predictive':
      return { settings: { mode: 'predictive' } };
    case 'lookahead-reference':
      return { settings: { mode: 'predictive' }, policy: lookaheadReferencePolicy() };
  }
}
