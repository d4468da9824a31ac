/**
 * Compares predictive with a baseline on the abandon-occupancy plane: an
 * occupancy bought with ten times the abandon rate is no win, so predictive
 * is held against the best the baseline does at any of its settings that
 * abandons no more than predictive does.
 */
import { BASELINE_DEFAULT_SETTINGS, type BaselineMode } from './baseline-settings.js';
import { sweepPoint, type BenchRow, type SweepPoint, type TargetCheck } from './summarise.js';
import { percent } from './format.js';

/** A baseline's default row and its sweep points in one scenario, lowest abandon first. */
export function baselineFrontier(rows: readonly BenchRow[], sweep: readonly SweepPoint[], scenario: string, mode: BaselineMode): SweepPoint[] {
  const base = rows.find((r) => r.scenario === scenario && r.mode === mode);
  return [
    ...(base ? [sweepPoint(base, BASELINE_DEFAULT_SETTINGS[mode].label)] : []),
    ...sweep.filter((s) => s.scenario === scenario && s.mode === mode),
  ].sort((a, b) => a.abandonRate - b.abandonRate);
}

const at = (x: { occupancy: number; abandonRate: number }) => `${x.occupancy.toFixed(3)} at ${percent(x.abandonRate)}`;

/** @param settings the baseline's points in p's scenario, at least one */
export function beatsBaselineCheck(p: BenchRow, mode: BaselineMode, settings: readonly SweepPoint[]): TargetCheck {
  const target = `${p.scenario}: predictive occupancy beats ${mode} at equal or lower abandon (its best setting tried)`;
  const predictive = `predictive ${at(p)}`;
  const qualifying = settings.filter((s) => s.abandonRate <= p.abandonRate);
  if (qualifying.length === 0) {
    const lowest = settings.reduce((a, b) => (b.abandonRate < a.abandonRate ? b : a));
    return {
      target,
      met: true,
      measured: `${mode} never gets down to ${percent(p.abandonRate)} abandon at any setting tried (its lowest: ${lowest.setting}, ${at(lowest)}); ${predictive}`,
    };
  }
  const best = qualifying.reduce((a, b) => (b.occupancy > a.occupancy ? b : a));
  return { target, met: p.occupancy > best.occupancy, measured: `${predictive} vs ${mode} ${best.setting}, ${at(best)}` };
}
