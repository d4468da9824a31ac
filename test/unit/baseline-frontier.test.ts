import { describe, expect, it } from 'vitest';
import type { BenchMode } from '../../src/bench/bench-modes.js';
import { checkTargets, type BenchRow, type SweepPoint } from '../../src/bench/summarise.js';

function row(mode: BenchMode, occupancy: number, abandonRate: number): BenchRow {
  return {
    scenario: 'S3',
    mode,
    seeds: 5,
    agents: 5,
    liveAnswerRate: 0.35,
    occupancy,
    abandonTarget: 0.03,
    abandonRate,
    regulatoryAbandonRate: abandonRate,
    worstSeedAbandonRate: abandonRate,
    worstHourAbandonRate: abandonRate,
    worst15MinAbandonRate: abandonRate,
    firstHalfHourAbandonRate: abandonRate,
    peakRunningAbandonRate: abandonRate,
    connectsPerAgentHour: 9,
    meanIdleSec: 30,
    p95IdleSec: 90,
    decisionP99Us: 10,
  };
}

function setting(mode: BenchMode, label: string, occupancy: number, abandonRate: number): SweepPoint {
  return { scenario: 'S3', mode, setting: label, abandonRate, occupancy, worstSeedAbandonRate: abandonRate, seeds: 5 };
}

/** Predictive at 0.884 occupancy and 1.42% abandon, against baseline defaults that abandon far more. */
const rows = [row('predictive', 0.884, 0.0142), row('adaptive-baseline', 0.904, 0.5748), row('probabilistic-baseline', 0.91, 0.1343)];

function beatsCheck(sweep: readonly SweepPoint[], baseline: 'adaptive-baseline' | 'probabilistic-baseline') {
  const check = checkTargets(rows, sweep).find((c) => c.target.includes(`beats ${baseline}`));
  expect(check).toBeDefined();
  return check!;
}

describe('predictive against a baseline at equal or lower abandon', () => {
  it('fails when a setting of the baseline abandons less and keeps agents busier', () => {
    const check = beatsCheck([setting('adaptive-baseline', 'maxLevel 1.2', 0.9, 0.01)], 'adaptive-baseline');
    expect(check.met).toBe(false);
    expect(check.measured).toBe('predictive 0.884 at 1.42% vs adaptive-baseline maxLevel 1.2, 0.900 at 1.00%');
  });

  it('is met, and says so plainly, when no setting of the baseline gets down to predictive abandon rate', () => {
    const check = beatsCheck([setting('probabilistic-baseline', 'overcommit off, QOS 0.97', 0.86, 0.02)], 'probabilistic-baseline');
    expect(check.met).toBe(true);
    expect(check.measured).toBe(
      'probabilistic-baseline never gets down to 1.42% abandon at any setting tried (its lowest: overcommit off, QOS 0.97, 0.860 at 2.00%); predictive 0.884 at 1.42%',
    );
  });

  it('compares with the busiest setting among those at or under predictive abandon rate', () => {
    const check = beatsCheck(
      [
        setting('adaptive-baseline', 'maxLevel 1.0', 0.85, 0),
        setting('adaptive-baseline', 'maxLevel 1.2', 0.87, 0.0142),
        setting('adaptive-baseline', 'maxLevel 1.5', 0.95, 0.2),
      ],
      'adaptive-baseline',
    );
    expect(check.met).toBe(true);
    expect(check.measured).toBe('predictive 0.884 at 1.42% vs adaptive-baseline maxLevel 1.2, 0.870 at 1.42%');
  });

  it('counts the default setting among those compared', () => {
    const lowDefault = [rows[0]!, row('adaptive-baseline', 0.89, 0.01), rows[2]!];
    const check = checkTargets(lowDefault, [setting('adaptive-baseline', 'maxLevel 1.0', 0.85, 0)]).find((c) =>
      c.target.includes('beats adaptive-baseline'),
    );
    expect(check?.met).toBe(false);
    expect(check?.measured).toBe('predictive 0.884 at 1.42% vs adaptive-baseline maxLevel 3.0, diffTarget 0 (default), 0.890 at 1.00%');
  });

  it('leaves out a baseline the benchmark did not run', () => {
    const checks = checkTargets([rows[0]!], []);
    expect(checks.some((c) => c.target.includes('beats'))).toBe(false);
  });
});
