/**
 * `outpace bench`: every scenario with every mode over several seeds, and
 * each baseline at its other published settings, on all cores, written to
 * bench/results. `--quick` for a run under a minute,
 * `--scenario FILE.json` for your own call center.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BASELINE_SWEEP } from './baseline-settings.js';
import { BENCH_MODES, REFERENCE_MODES, type BenchMode } from './bench-modes.js';
import { writeReport } from './report.js';
import { runJobs } from './run-pool.js';
import { runOne, type RunJob, type RunResult } from './run-one.js';
import { checkTargets, summarise, summariseSweep } from './summarise.js';
import { parseScenario, type Scenario } from '../simulator/scenario.js';

export interface BenchOptions {
  readonly quick: boolean;
  readonly scenarioFiles: readonly string[];
  readonly seeds?: number;
  readonly hours?: number;
  readonly modes?: readonly BenchMode[];
  readonly outDir: string;
  readonly threads?: number;
}

export function loadScenario(file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read scenario ${file}: ${(err as Error).message}`);
  }
  return parseScenario(raw, file);
}

/**
 * The scenarios of bench/scenarios/ (the issue's S1–S5 as it states them, then outpace's own, such as the
 * team that has just logged in), then, unless `realistic` is false (the quick run, which must stay under a
 * minute), the issue's call centers made harsher (bench/scenarios/realistic/: answering machines, detection
 * errors, breaks, impatient callers).
 */
export function defaultScenarioFiles(benchDir: string, realistic = true): string[] {
  const dirs = [join(benchDir, 'scenarios'), ...(realistic ? [join(benchDir, 'scenarios', 'realistic')] : [])];
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      // The issue's S1–S5 first, in order; code-unit order puts them before lower-case names.
      .sort()
      .map((f) => join(dir, f)),
  );
}

/** The largest scenario's predictive shift, run alone in this thread once the others are done (a full shift, or an hour when quick). */
function timingPass(scenarios: readonly Scenario[], quick: boolean, log: (line: string) => void): RunResult | undefined {
  const largest = [...scenarios].sort((a, b) => b.agents - a.agents)[0];
  if (!largest) return undefined;
  const hours = quick ? 1 : largest.shiftHours;
  log(`timing pass: ${largest.name} predictive, ${hours} h, alone`);
  return runOne({ scenario: largest, mode: 'predictive', seed: 1, hours });
}

export async function runBench(o: BenchOptions, log: (line: string) => void): Promise<void> {
  const scenarios = o.scenarioFiles.map((f) => loadScenario(resolve(f)));
  const seeds = o.seeds ?? (o.quick ? 1 : 5);
  const modes = o.modes ?? [...BENCH_MODES, ...REFERENCE_MODES];
  const sweep = BASELINE_SWEEP.filter((s) => modes.includes(s.mode));
  const jobs: RunJob[] = [];
  for (const scenario of scenarios) {
    const hours = o.hours ?? (o.quick ? Math.min(2, scenario.shiftHours) : scenario.shiftHours);
    for (let seed = 1; seed <= seeds; seed++) {
      for (const mode of modes) jobs.push({ scenario, mode, seed, hours });
      for (const setting of sweep) jobs.push({ scenario, mode: setting.mode, seed, hours, setting });
    }
  }
  // The largest runs first, so that the last ones to finish are short.
  jobs.sort((a, b) => b.scenario.agents * b.hours - a.scenario.agents * a.hours);
  const runsPerSeed = sweep.length > 0 ? `(${modes.length} mode(s) + ${sweep.length} baseline setting(s))` : `${modes.length} mode(s)`;
  log(`benchmark: ${scenarios.length} scenario(s) × ${runsPerSeed} × ${seeds} seed(s) = ${jobs.length} shifts`);
  const started = Date.now();
  const runs = await runJobs(jobs, o.threads, (r) =>
    log(`  ${r.scenario} ${`${r.mode}${r.setting ? ` [${r.setting}]` : ''}`.padEnd(22)} seed ${r.seed}: occupancy ${r.shift.occupancy.toFixed(3)}, abandon ${(r.shift.abandonRate * 100).toFixed(2)}% (${r.wallSec.toFixed(1)} s)`),
  );
  const index = (n: number) => String(n + 1).padStart(4, '0');
  // Scenarios in the order given (the issue's before their realistic variants), then modes, settings, seeds.
  const scenarioIndex = (name: string) => index(scenarios.findIndex((s) => s.name === name));
  const order = (r: RunResult) =>
    `${scenarioIndex(r.scenario)}\u0000${index(modes.indexOf(r.mode))}\u0000${index(sweep.findIndex((s) => s.label === r.setting))}\u0000${index(r.seed)}`;
  runs.sort((a, b) => order(a).localeCompare(order(b)));
  const all = summarise(runs.filter((r) => r.setting === undefined));
  const baselineSweep = summariseSweep(runs.filter((r) => r.setting !== undefined));
  const isReference = (mode: BenchMode) => (REFERENCE_MODES as readonly BenchMode[]).includes(mode);
  const rows = all.filter((r) => !isReference(r.mode));
  const reference = all.filter((r) => isReference(r.mode));
  const quiet = timingPass(scenarios, o.quick, log);
  const checks = checkTargets(rows, baselineSweep, quiet);
  writeReport(o.outDir, {
    generatedAt: new Date().toISOString(),
    quick: o.quick,
    hours: jobs[0]?.hours ?? 0,
    rows,
    reference,
    baselineSweep,
    checks,
    runs,
    quiet,
  });
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${o.outDir}/latest.{json,md} and charts`);
  for (const c of checks) log(`  ${c.met ? 'met    ' : 'NOT MET'}  ${c.target}: ${c.measured}`);
}
