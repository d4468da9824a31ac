/**
 * One benchmark run: a scenario, a mode, a seed. Times every pacing decision
 * and the whole simulated shift, and samples the heap to show it stays flat.
 */
import { performance } from 'node:perf_hooks';
import type { Pacer } from '../pacing/pacer.js';
import { prepareShift } from '../simulator/run-shift.js';
import type { Scenario } from '../simulator/scenario.js';
import { quantile, type ShiftResult } from '../simulator/shift-metrics.js';
import { HOUR } from '../domain/time.js';
import type { BaselineSetting } from './baseline-settings.js';
import { modeSetup, type BenchMode } from './bench-modes.js';

export interface RunJob {
  readonly scenario: Scenario;
  readonly mode: BenchMode;
  readonly seed: number;
  readonly hours: number;
  /** A baseline's sweep setting; without it the mode runs at its default. */
  readonly setting?: BaselineSetting;
}

export interface RunResult {
  readonly scenario: string;
  readonly mode: BenchMode;
  /** The sweep setting's label; absent for a mode at its default. */
  readonly setting?: string;
  readonly seed: number;
  readonly agents: number;
  /** The campaign's abandon target in this run. */
  readonly abandonTarget: number;
  readonly shift: ShiftResult;
  readonly decisionP99Us: number;
  readonly wallSec: number;
  /** Heap after each simulated hour, in MiB. */
  readonly heapByHourMiB: readonly number[];
  /** Whether each heap figure was taken after a full garbage collection (node --expose-gc, as npm run bench runs it). */
  readonly heapAfterGc: boolean;
}

/** Exposed by node --expose-gc: with it, the heap figures are what the shift keeps alive, not where the collector last paused. */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** Keeps at most this many decision timings, enough for a stable p99. */
const TIMING_SAMPLES = 200_000;
/**
 * Decisions in the first simulated minutes are not timed: they run before V8 has compiled the
 * pacing code, a cost a long-running engine pays once, not on every tick.
 */
const UNTIMED_WARM_UP_MS = 10 * 60_000;

export function runOne(job: RunJob): RunResult {
  const { settings, policy } = modeSetup(job.mode, job.setting);
  const timings: number[] = [];
  let decisions = 0;
  let timedFrom = Infinity;
  const wrapPacer = (pacer: Pacer) => ({
    decide: (s: Parameters<Pacer['decide']>[0]) => {
      const t0 = performance.now();
      const d = pacer.decide(s);
      const dt = performance.now() - t0;
      if (s.now >= timedFrom && decisions++ < TIMING_SAMPLES) timings.push(dt * 1000);
      return d;
    },
    observe: pacer.observe.bind(pacer),
    recordLiveAnswer: pacer.recordLiveAnswer.bind(pacer),
    recordAbandon: pacer.recordAbandon.bind(pacer),
    recordMachineHangup: pacer.recordMachineHangup.bind(pacer),
    updateSettings: pacer.updateSettings.bind(pacer),
  });
  const start = performance.now();
  const shift = prepareShift({ scenario: job.scenario, seed: job.seed, hours: job.hours, settings, policy, wrapPacer });
  timedFrom = shift.start + UNTIMED_WARM_UP_MS;
  const heap: number[] = [];
  for (let t = shift.start + HOUR; t <= shift.end; t += HOUR) {
    shift.runUntil(t);
    collectGarbage?.();
    heap.push(process.memoryUsage().heapUsed / 2 ** 20);
  }
  const result = shift.finish();
  timings.sort((a, b) => a - b);
  return {
    scenario: job.scenario.name,
    mode: job.mode,
    ...(job.setting && { setting: job.setting.label }),
    seed: job.seed,
    agents: job.scenario.agents,
    abandonTarget: shift.settings.abandonTarget,
    shift: result,
    decisionP99Us: quantile(timings, 0.99),
    wallSec: (performance.now() - start) / 1000,
    heapByHourMiB: heap,
    heapAfterGc: collectGarbage !== undefined,
  };
}
