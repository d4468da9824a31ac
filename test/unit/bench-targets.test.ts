import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/bench/run-one.js';
import { checkTargets, issueScenarioOf, type BenchRow } from '../../src/bench/summarise.js';

function predictive(scenario: string, occupancy: number): BenchRow {
  return {
    scenario, mode: 'predictive', seeds: 5, agents: 20, liveAnswerRate: 0.2, occupancy, abandonRate: 0.025,
    worstSeedAbandonRate: 0.027, worstHourAbandonRate: 0.04, connectsPerAgentHour: 16, meanIdleSec: 20, p95IdleSec: 45, decisionP99Us: 100,
  };
}

function timingPass(heapByHourMiB: number[], heapAfterGc: boolean): RunResult {
  return {
    scenario: 'S5', mode: 'predictive', seed: 1, agents: 500, decisionP99Us: 150, wallSec: 10, heapByHourMiB, heapAfterGc,
    shift: {} as RunResult['shift'],
  };
}

const check = (checks: ReturnType<typeof checkTargets>, target: string) => checks.find((c) => c.target === target);

describe('the benchmark targets', () => {
  it('knows the issue scenario behind a realistic variant, and nothing else', () => {
    expect(issueScenarioOf('S1')).toBe('S1');
    expect(issueScenarioOf('S3-realistic')).toBe('S3');
    expect(issueScenarioOf('S1-plain')).toBeUndefined();
    expect(issueScenarioOf('my-call-center')).toBeUndefined();
  });

  it('holds a realistic variant to its issue scenario’s occupancy floor, and a scenario of the user’s to none', () => {
    const checks = checkTargets([predictive('S1', 0.904), predictive('S1-realistic', 0.887), predictive('mine', 0.5)], [], 0.03);
    expect(check(checks, 'S1: predictive occupancy ≥ 0.9')?.met).toBe(true);
    expect(check(checks, 'S1-realistic: predictive occupancy ≥ 0.9')).toMatchObject({ met: false, measured: '0.887' });
    expect(checks.some((c) => c.target.startsWith('mine: predictive occupancy ≥'))).toBe(false);
  });

  it('calls memory flat only when the heap after a full GC does not grow over the shift', () => {
    const target = 'S5: a full 8-hour shift simulates in < 30 s with flat memory';
    const flat = checkTargets([], [], 0.03, timingPass([30, 12, 12, 13, 12, 13, 12, 13], true));
    expect(check(flat, target)).toMatchObject({ met: true, measured: '10.0 s; heap after a full GC by hour 30, 12, 12, 13, 12, 13, 12, 13 MiB' });
    const leaking = checkTargets([], [], 0.03, timingPass([30, 12, 16, 20, 24, 28, 32, 36], true));
    expect(check(leaking, target)?.met).toBe(false);
  });
});
