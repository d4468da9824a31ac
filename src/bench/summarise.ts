/**
 * Pools the runs of each scenario and mode over seeds into the rows of
 * bench/results/latest.json, and the baselines' other settings into its
 * sweep points, and checks them against the pacing targets.
 */
import { BASELINE_MODES } from './baseline-settings.js';
import { baselineFrontier, beatsBaselineCheck } from './baseline-frontier.js';
import type { BenchMode } from './bench-modes.js';
import type { RunResult } from './run-one.js';
import { abandonRate } from '../pacing/abandon-ledger.js';
import { percent } from './format.js';

export interface BenchRow {
  readonly scenario: string;
  readonly mode: BenchMode;
  readonly seeds: number;
  readonly agents: number;
  readonly liveAnswerRate: number;
  readonly occupancy: number;
  /** The campaign's abandon target (its scenario's pacing settings). */
  readonly abandonTarget: number;
  readonly abandonRate: number;
  /**
   * The abandon rate as the campaign's profile counts it: counted abandons plus the estimated detection false
   * positives (people hung up on as machines) where the profile counts them (UK); the counted rate elsewhere.
   */
  readonly regulatoryAbandonRate: number;
  readonly worstSeedAbandonRate: number;
  /** The worst seed's rate over its worst rolling hour, its worst rolling quarter hour, its first half hour. */
  readonly worstHourAbandonRate: number;
  readonly worst15MinAbandonRate: number;
  readonly firstHalfHourAbandonRate: number;
  /** The worst seed's highest rate since the shift's start, at the end of any minute. */
  readonly peakRunningAbandonRate: number;
  readonly connectsPerAgentHour: number;
  readonly meanIdleSec: number;
  readonly p95IdleSec: number;
  readonly decisionP99Us: number;
}

const mean = (xs: readonly number[]) => xs.reduce((t, x) => t + x, 0) / Math.max(1, xs.length);
const max = (xs: readonly number[]) => xs.reduce((m, x) => Math.max(m, x), 0);

/** The runs grouped by `key`, groups in the order of their first run. */
function groups(results: readonly RunResult[], key: (r: RunResult) => string): RunResult[][] {
  const byKey = new Map<string, RunResult[]>();
  for (const r of results) {
    const k = key(r);
    const group = byKey.get(k);
    if (group) group.push(r);
    else byKey.set(k, [r]);
  }
  return [...byKey.values()];
}

/** One scenario and mode's runs, pooled over their seeds. */
function pool(runs: readonly RunResult[]): BenchRow {
  const s = runs.map((r) => r.shift);
  const live = s.reduce((t, x) => t + x.liveAnswers, 0);
  const attempts = s.reduce((t, x) => t + x.attempts, 0);
  const abandoned = s.reduce((t, x) => t + x.abandoned, 0);
  const machineHangups = s.reduce((t, x) => t + x.machineHangups, 0);
  return {
    scenario: runs[0]!.scenario,
    mode: runs[0]!.mode,
    seeds: runs.length,
    agents: runs[0]!.agents,
    liveAnswerRate: attempts > 0 ? live / attempts : 0,
    occupancy: mean(s.map((x) => x.occupancy)),
    abandonTarget: runs[0]!.abandonTarget,
    abandonRate: live > 0 ? abandoned / live : 0,
    regulatoryAbandonRate: abandonRate({ liveAnswers: live, abandoned, machineHangups }, s[0]!.countedFalsePositiveRate),
    worstSeedAbandonRate: max(s.map((x) => x.abandonRate)),
    worstHourAbandonRate: max(s.map((x) => x.worstHourAbandonRate)),
    worst15MinAbandonRate: max(s.map((x) => x.worst15MinAbandonRate)),
    firstHalfHourAbandonRate: max(s.map((x) => x.firstHalfHourAbandonRate)),
    peakRunningAbandonRate: max(s.map((x) => x.peakRunningAbandonRate)),
    connectsPerAgentHour: mean(s.map((x) => x.connectsPerAgentHour)),
    meanIdleSec: mean(s.map((x) => x.meanIdleSec)),
    p95IdleSec: mean(s.map((x) => x.p95IdleSec)),
    decisionP99Us: max(runs.map((r) => r.decisionP99Us)),
  };
}

export function summarise(results: readonly RunResult[]): BenchRow[] {
  return groups(results, (r) => `${r.scenario}\u0000${r.mode}`).map(pool);
}

/** A baseline at one of its settings, pooled over seeds: a point of its abandon-occupancy frontier. */
export interface SweepPoint {
  readonly scenario: string;
  readonly mode: BenchMode;
  readonly setting: string;
  readonly abandonRate: number;
  readonly occupancy: number;
  readonly worstSeedAbandonRate: number;
  readonly seeds: number;
}

export function sweepPoint(row: BenchRow, setting: string): SweepPoint {
  const { scenario, mode, abandonRate, occupancy, worstSeedAbandonRate, seeds } = row;
  return { scenario, mode, setting, abandonRate, occupancy, worstSeedAbandonRate, seeds };
}

/** Pools the runs of each scenario, baseline and sweep setting over seeds, in the runs' order. */
export function summariseSweep(results: readonly RunResult[]): SweepPoint[] {
  return groups(results, (r) => `${r.scenario}\u0000${r.mode}\u0000${r.setting}`).map((runs) =>
    sweepPoint(pool(runs), runs[0]!.setting ?? ''),
  );
}

export interface TargetCheck {
  readonly target: string;
  readonly met: boolean;
  readonly measured: string;
}

const FLAT_HEAP_GROWTH = 1.2;
const FLAT_HEAP_SLACK_MIB = 4;

/** Which of the issue's scenarios a bench scenario is: S1–S5 as stated, or their realistic variants (S1-realistic...). */
export function issueScenarioOf(name: string): string | undefined {
  const base = isRealisticVariant(name) ? name.slice(0, -REALISTIC_SUFFIX.length) : name;
  return /^S[1-5]$/.test(base) ? base : undefined;
}

/** The team that has just logged in (bench/scenarios/cold-start.json): its rate since the start is held to the target from the first minute. */
export const COLD_START_SCENARIO = 'cold-start';

/** How the scenarios of bench/scenarios/realistic/ are named: the issue scenario's name and this. */
const REALISTIC_SUFFIX = '-realistic';

/** The harsher variants of bench/scenarios/realistic/, reported beside the issue's scenarios. */
export const isRealisticVariant = (scenario: string): boolean => scenario.endsWith(REALISTIC_SUFFIX);

/**
 * The issue's targets for predictive pacing, checked against the rows: on every seed, the shift's abandon
 * rate and its first half hour's at or under the campaign's target (a cold start must not spend the
 * allowance before anything is known).
 * @param sweep the baselines at their other settings, for the comparison at equal or lower abandon
 * @param quiet the timing pass: the largest scenario's predictive shift run alone after the others, so that
 *              decision times and the shift's wall time are not inflated by runs sharing the cores
 */
export function checkTargets(
  rows: readonly BenchRow[],
  sweep: readonly SweepPoint[],
  quiet?: RunResult,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const row = (scenario: string, mode: BenchMode) => rows.find((r) => r.scenario === scenario && r.mode === mode);
  const floors: Record<string, number> = { S1: 0.9, S2: 0.95, S5: 0.98 };
  for (const p of rows.filter((r) => r.mode === 'predictive')) {
    const issueScenario = issueScenarioOf(p.scenario);
    checks.push({
      target: `${p.scenario}: predictive abandon ≤ ${percent(p.abandonTarget)} on every seed`,
      met: p.worstSeedAbandonRate <= p.abandonTarget,
      measured: `worst seed ${percent(p.worstSeedAbandonRate)}`,
    });
    if (p.regulatoryAbandonRate !== p.abandonRate) {
      checks.push({
        target: `${p.scenario}: predictive abandon as the regulator counts it (detection false positives included) ≤ ${percent(p.abandonTarget)}`,
        met: p.regulatoryAbandonRate <= p.abandonTarget,
        measured: `${percent(p.regulatoryAbandonRate)} (${percent(p.abandonRate)} counted)`,
      });
    }
    checks.push({
      target: `${p.scenario}: predictive abandon over the first half hour ≤ ${percent(p.abandonTarget)} on every seed`,
      met: p.firstHalfHourAbandonRate <= p.abandonTarget,
      measured: `worst seed ${percent(p.firstHalfHourAbandonRate)}`,
    });
    for (const b of BASELINE_MODES) {
      const settings = baselineFrontier(rows, sweep, p.scenario, b);
      if (settings.length > 0) checks.push(beatsBaselineCheck(p, b, settings));
    }
    if (p.scenario === COLD_START_SCENARIO) {
      checks.push({
        target: `${p.scenario}: predictive abandon since the start ≤ ${percent(p.abandonTarget)} at every minute from the first, on every seed`,
        met: p.peakRunningAbandonRate <= p.abandonTarget,
        measured: `peak ${percent(p.peakRunningAbandonRate)}`,
      });
    }
    const floor = issueScenario === undefined ? undefined : floors[issueScenario];
    if (floor !== undefined) {
      checks.push({ target: `${p.scenario}: predictive occupancy ≥ ${floor}`, met: p.occupancy >= floor, measured: p.occupancy.toFixed(3) });
    }
    const prog = row(p.scenario, 'progressive');
    if (issueScenario === 'S3' && prog) {
      checks.push({
        target: `${p.scenario}: predictive occupancy never below progressive`,
        met: p.occupancy >= prog.occupancy,
        measured: `${p.occupancy.toFixed(3)} vs ${prog.occupancy.toFixed(3)}`,
      });
    }
  }
  if (quiet) {
    checks.push({
      target: `${quiet.scenario} (${quiet.agents} agents): pacing decision p99 < 1 ms`,
      met: quiet.decisionP99Us < 1000,
      measured: `${quiet.decisionP99Us.toFixed(0)} µs (timing pass run alone after the others)`,
    });
    if (quiet.heapByHourMiB.length >= 8) {
      const heap = quiet.heapByHourMiB;
      // Flat: after a full GC, the last hour holds no more than the second (the first includes warm-up) and some slack.
      // Without GC figures the heap saw-tooths with the collector, and only the time can be judged.
      const flat = !quiet.heapAfterGc || heap.at(-1)! <= heap[1]! * FLAT_HEAP_GROWTH + FLAT_HEAP_SLACK_MIB;
      checks.push({
        target: `${quiet.scenario}: a full 8-hour shift simulates in < 30 s with flat memory`,
        met: quiet.wallSec < 30 && flat,
        measured: `${quiet.wallSec.toFixed(1)} s; heap${quiet.heapAfterGc ? ' after a full GC' : ''} by hour ${heap.map((h) => h.toFixed(0)).join(', ')} MiB`,
      });
    }
  }
  return checks;
}
