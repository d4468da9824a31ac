import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench } from '../../src/bench/bench-command.js';

describe('outpace bench', () => {
  it('writes latest.json in the shape other tools read, latest.md and the charts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpace-bench-'));
    const scenarioFile = join(dir, 'S4.json');
    writeFileSync(
      scenarioFile,
      JSON.stringify({
        name: 'S4',
        agents: 8,
        outcomes: { live: 0.3 },
        changes: [{ atHour: 0.25, outcomes: { live: 0.1 } }],
        talkSec: { mean: 60, sd: 30 },
        wrapUpSec: { mean: 10, sd: 3, shape: 'gamma' },
      }),
    );
    const lines: string[] = [];
    await runBench(
      { quick: true, scenarioFiles: [scenarioFile], seeds: 2, hours: 0.5, modes: ['progressive', 'predictive'], outDir: dir, threads: 1 },
      (l) => lines.push(l),
    );
    const json = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
    expect(typeof json.generatedAt).toBe('string');
    expect(json.quick).toBe(true);
    expect(json.rows).toHaveLength(2);
    for (const row of json.rows) {
      expect(Object.keys(row).sort()).toEqual(
        [
          'abandonRate', 'abandonTarget', 'agents', 'connectsPerAgentHour', 'decisionP99Us', 'firstHalfHourAbandonRate',
          'liveAnswerRate', 'meanIdleSec', 'mode', 'occupancy', 'p95IdleSec', 'peakRunningAbandonRate', 'regulatoryAbandonRate',
          'scenario', 'seeds', 'worst15MinAbandonRate', 'worstHourAbandonRate', 'worstSeedAbandonRate',
        ].sort(),
      );
      expect(row.seeds).toBe(2);
      expect(row.occupancy).toBeGreaterThan(0);
      expect(row.occupancy).toBeLessThanOrEqual(1);
      // The pooled rate is a weighted mean of the seeds' rates, so the worst seed is at least as high.
      expect(row.worstSeedAbandonRate).toBeGreaterThanOrEqual(row.abandonRate - 1e-12);
    }
    expect(json.rows.map((r: { mode: string }) => r.mode)).toEqual(['progressive', 'predictive']);
    expect(readFileSync(join(dir, 'latest.md'), 'utf8')).toMatch(/\| S4 \| predictive \| 2 \| 8 \|/);
    expect(readFileSync(join(dir, 'occupancy-vs-abandon.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(dir, 's4-dial-level.svg'), 'utf8')).toMatch(/<path d="M/);
    expect(lines.at(0)).toMatch(/1 scenario\(s\) × 2 mode\(s\) × 2 seed\(s\) = 4 shifts/);
  });

  it('keeps a baseline default in rows and its other settings in baselineSweep, and out of the S4 chart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpace-bench-'));
    const scenarioFile = join(dir, 'S4.json');
    writeFileSync(scenarioFile, JSON.stringify({ name: 'S4', agents: 5, outcomes: { live: 0.35 }, talkSec: { mean: 60, sd: 30 }, wrapUpSec: { mean: 10, sd: 3, shape: 'gamma' } }));
    const lines: string[] = [];
    await runBench(
      { quick: true, scenarioFiles: [scenarioFile], seeds: 1, hours: 0.25, modes: ['probabilistic-baseline', 'predictive'], outDir: dir, threads: 1 },
      (l) => lines.push(l),
    );
    const json = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
    expect(json.rows.map((r: { mode: string }) => r.mode)).toEqual(['probabilistic-baseline', 'predictive']);
    expect(json.rows[0].setting).toBeUndefined();
    expect(json.baselineSweep.length).toBeGreaterThan(0);
    for (const point of json.baselineSweep) {
      expect(Object.keys(point).sort()).toEqual(['abandonRate', 'mode', 'occupancy', 'scenario', 'seeds', 'setting', 'worstSeedAbandonRate']);
      expect(point.mode).toBe('probabilistic-baseline');
    }
    expect(readFileSync(join(dir, 'latest.md'), 'utf8')).toMatch(/\| S4 \| probabilistic-baseline \| overcommit on, QOS 0.97 \(default\) \| 1 \|/);
    expect(lines.at(0)).toMatch(/\(2 mode\(s\) \+ \d+ baseline setting\(s\)\)/);
    // The dial level over the shift: one line a mode, at its default setting.
    expect(readFileSync(join(dir, 's4-dial-level.svg'), 'utf8').match(/>probabilistic-baseline</g)).toHaveLength(1);
  });
});
