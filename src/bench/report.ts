/**
 * Writes the benchmark's results where people and tools look for them:
 * latest.json (the rows, in the shape other tools read, and the baselines'
 * sweep apart), latest.md (tables and the targets, met or not), and two SVG
 * charts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baselineFrontier } from './baseline-frontier.js';
import { BASELINE_MODES, isBaselineMode, type BaselineMode } from './baseline-settings.js';
import { BENCH_MODES, REFERENCE_MODES } from './bench-modes.js';
import type { RunResult } from './run-one.js';
import { renderChart, type Point } from './svg-plot.js';
import { percent } from './format.js';
import { isRealisticVariant, type BenchRow, type SweepPoint, type TargetCheck } from './summarise.js';

export interface BenchReport {
  readonly generatedAt: string;
  readonly quick: boolean;
  readonly hours: number;
  readonly rows: readonly BenchRow[];
  /** The yardstick policies' rows, kept apart from `rows`, whose modes other tools know. */
  readonly reference: readonly BenchRow[];
  /** The baselines at their settings other than the default, kept apart from `rows` as well. */
  readonly baselineSweep: readonly SweepPoint[];
  readonly checks: readonly TargetCheck[];
  readonly runs: readonly RunResult[];
  /** The timing pass, run alone. */
  readonly quiet?: RunResult;
}

function table(rows: readonly BenchRow[]): string[] {
  return [
    `| scenario | mode | seeds | agents | live answers | occupancy | abandon | regulatory | worst seed | first half hour | worst 15 min | worst hour | peak since start | connects/agent h | idle mean s | idle p95 s | decision p99 µs |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
    ...rows.map(
      (x) =>
        `| ${x.scenario} | ${x.mode} | ${x.seeds} | ${x.agents} | ${percent(x.liveAnswerRate)} | ${x.occupancy.toFixed(3)} | ${percent(x.abandonRate)} | ${percent(x.regulatoryAbandonRate)} | ${percent(x.worstSeedAbandonRate)} | ${percent(x.firstHalfHourAbandonRate)} | ${percent(x.worst15MinAbandonRate)} | ${percent(x.worstHourAbandonRate)} | ${percent(x.peakRunningAbandonRate)} | ${x.connectsPerAgentHour.toFixed(1)} | ${x.meanIdleSec.toFixed(1)} | ${x.p95IdleSec.toFixed(1)} | ${x.decisionP99Us.toFixed(0)} |`,
    ),
  ];
}

const hasRealisticVariants = (r: BenchReport) => r.rows.some((x) => isRealisticVariant(x.scenario));
const scenarios = (r: BenchReport) => [...new Set(r.rows.map((x) => x.scenario))];

/** Each scenario's baselines at every setting tried, default included, lowest abandon first. */
function frontiers(r: BenchReport): SweepPoint[] {
  return scenarios(r).flatMap((scenario) => BASELINE_MODES.flatMap((mode) => baselineFrontier(r.rows, r.baselineSweep, scenario, mode)));
}

/** A baseline's settings as chart lines, one a scenario where it was swept. */
function frontierLines(r: BenchReport, mode: BaselineMode, keep: (scenario: string) => boolean): Point[][] {
  return scenarios(r)
    .filter(keep)
    .map((scenario) => baselineFrontier(r.rows, r.baselineSweep, scenario, mode).map((x) => ({ x: x.abandonRate, y: x.occupancy })))
    .filter((line) => line.length > 1);
}

function sweepTable(r: BenchReport): string[] {
  if (r.baselineSweep.length === 0) return [];
  return [
    `## The baselines at their other settings`,
    ``,
    `Each baseline at every published setting tried, from its most conservative to its default (the default is also the baseline's row in the first table), lowest abandon first. The "beats ... at equal or lower abandon" targets compare predictive with the busiest of these that abandons no more than predictive does.`,
    ``,
    `| scenario | mode | setting | seeds | occupancy | abandon | worst seed |`,
    `|---|---|---|---|---|---|---|`,
    ...frontiers(r).map(
      (x) => `| ${x.scenario} | ${x.mode} | ${x.setting} | ${x.seeds} | ${x.occupancy.toFixed(3)} | ${percent(x.abandonRate)} | ${percent(x.worstSeedAbandonRate)} |`,
    ),
    ``,
  ];
}

function markdown(r: BenchReport): string {
  const lines = [
    `# Pacing benchmark`,
    ``,
    `Generated ${r.generatedAt}${r.quick ? ' (quick: fewer seeds, shorter shift)' : ''}; ${r.hours} h shifts; abandon target ${[...new Set(r.rows.map((x) => percent(x.abandonTarget)))].join(', ')}.`,
    `Occupancy = (talk + wrap-up) / logged-in time not paused; abandon rate = abandoned / live answers, all seeds pooled.`,
    `Regulatory: the abandon rate as the campaign's compliance profile counts it, with the estimated detection false positives (people hung up on as machines) added as abandoned live answers where the profile counts them (UK); the counted rate where it does not.`,
    `First half hour, worst 15 min, worst hour, peak since start: the worst seed's abandon rate over the shift's first 30 minutes, its worst rolling 15 minutes and hour, and the highest its rate since the start stood at the end of any minute (what a campaign that over-dials at start carries for the rest of its regulatory window).`,
    ...(hasRealisticVariants(r)
      ? [
          `S1–S5 are the issue's call centers as it states them; the issue's targets are theirs. S1-realistic–S5-realistic are the same call centers made harsher (15% answering machines, machine detection's delay and errors, breaks, callers who hang up after about 5 s of silence): the same targets are checked on them, to show what a real floor costs.`,
        ]
      : []),
    ``,
    ...table(r.rows),
    ``,
    ...(r.reference.length > 0
      ? [
          `## Yardstick: the plain look-ahead policy`,
          ``,
          `Launches calls while expected live answers within the median answer time plus two standard deviations stay under expected free agents. The issue's occupancy floors were set from this policy in an independent simulation; here it runs in the same simulator as the modes above. It has no abandon steering, so its abandon rate is whatever the rule gives.`,
          ``,
          ...table(r.reference),
          ``,
        ]
      : []),
    ...sweepTable(r),
    `## Targets`,
    ``,
    `| target | met | measured |`,
    `|---|---|---|`,
    ...r.checks.map((c) => `| ${c.target} | ${c.met ? 'yes' : '**no**'} | ${c.measured} |`),
    ``,
    `## Simulation cost`,
    ``,
    ...(r.quiet
      ? [
          `Timing pass (run alone after the others): ${r.quiet.scenario} predictive, ${r.quiet.heapByHourMiB.length} h simulated in ${r.quiet.wallSec.toFixed(1)} s, ` +
            `pacing decision p99 ${r.quiet.decisionP99Us.toFixed(0)} µs, heap${r.quiet.heapAfterGc ? ' after a full GC' : ''} by simulated hour ${r.quiet.heapByHourMiB.map((h) => h.toFixed(0)).join(', ')} MiB.`,
          ``,
          `The runs below shared the cores with each other, so their wall times and the table's decision times are inflated.`,
          ``,
        ]
      : []),
    `| scenario | mode | seed | wall s | heap MiB by simulated hour |`,
    `|---|---|---|---|---|`,
    ...r.runs
      .filter((x) => x.mode === 'predictive')
      .map((x) => `| ${x.scenario} | ${x.mode} | ${x.seed} | ${x.wallSec.toFixed(1)} | ${x.heapByHourMiB.map((h) => h.toFixed(0)).join(' ')} |`),
    ``,
    `Charts: [occupancy against abandon rate](occupancy-vs-abandon.svg)${hasRealisticVariants(r) ? ' ([realistic scenarios](occupancy-vs-abandon-realistic.svg))' : ''}, [dial level over the S4 shift](s4-dial-level.svg).`,
    ``,
  ];
  return lines.join('\n');
}

function occupancyChart(r: BenchReport, title: string, keep: (scenario: string) => boolean): string {
  return renderChart({
    kind: 'scatter',
    title: `${title} (baselines at every setting tried)`,
    xLabel: 'abandon rate (all seeds pooled)',
    yLabel: 'occupancy',
    xMax: 0.1,
    xFormat: (x) => `${(x * 100).toFixed(0)}%`,
    xMark: { at: 0.03, label: '3% cap' },
    series: [...BENCH_MODES, ...REFERENCE_MODES].map((mode) => ({
      name: mode,
      points: [...r.rows, ...r.reference]
        .filter((x) => x.mode === mode && keep(x.scenario))
        .map((x) => ({ x: x.abandonRate, y: x.occupancy, label: x.scenario })),
      frontiers: isBaselineMode(mode) ? frontierLines(r, mode, keep) : [],
    })),
  });
}

export function writeReport(dir: string, r: BenchReport): void {
  mkdirSync(dir, { recursive: true });
  const json = {
    generatedAt: r.generatedAt,
    quick: r.quick,
    rows: r.rows,
    reference: r.reference,
    baselineSweep: r.baselineSweep,
    targets: r.checks,
    timingPass: r.quiet && {
      scenario: r.quiet.scenario,
      hours: r.quiet.heapByHourMiB.length,
      wallSec: r.quiet.wallSec,
      decisionP99Us: r.quiet.decisionP99Us,
      heapByHourMiB: r.quiet.heapByHourMiB,
    },
    simulation: r.runs
      .filter((x) => x.mode === 'predictive')
      .map((x) => ({ scenario: x.scenario, seed: x.seed, wallSec: x.wallSec, heapByHourMiB: x.heapByHourMiB })),
  };
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(dir, 'latest.md'), markdown(r));
  // The realistic variants get a chart of their own: ten scenarios' labels on one chart hide each other.
  writeFileSync(join(dir, 'occupancy-vs-abandon.svg'), occupancyChart(r, 'Occupancy against abandon rate', (x) => !isRealisticVariant(x)));
  if (hasRealisticVariants(r)) {
    writeFileSync(
      join(dir, 'occupancy-vs-abandon-realistic.svg'),
      occupancyChart(r, 'Occupancy against abandon rate, realistic scenarios', isRealisticVariant),
    );
  }
  // One seed's shift per mode at its default setting: the baselines' other settings would crowd the chart.
  const s4 = r.runs.filter((x) => x.scenario === 'S4' && x.setting === undefined && x.seed === r.runs.find((y) => y.scenario === 'S4')?.seed);
  if (s4.length > 0) {
    writeFileSync(
      join(dir, 's4-dial-level.svg'),
      renderChart({
        kind: 'line',
        title: 'S4: dial level over the shift (live answers fall from 30% to 8% at hour 3)',
        xLabel: 'minutes into the shift',
        yLabel: 'calls not yet connected per active agent',
        yMin: 0,
        series: s4.map((x) => ({ name: x.mode, points: x.shift.dialLevelByMinute.map(([m, level]) => ({ x: m, y: level })) })),
      }),
    );
  }
}
