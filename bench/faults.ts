/**
 * The fault-injection measurement behind `npm run bench:faults`: each fault
 * kind, several seeds (test/faults/fault-run.ts), against PostgreSQL
 * (DATABASE_URL) and Redis (REDIS_URL). Writes bench/results/faults.json,
 * one row per fault kind: runs, the counts summed over its runs (each must
 * be 0), and the time from the engine's restart to its first new dial (p50,
 * max); prints the README's table.
 *
 *   node --import tsx bench/faults.ts [--seeds 5]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultCounts, type FaultRunResult, faultRun } from '../test/faults/fault-run.js';

const { values } = parseArgs({ options: { seeds: { type: 'string' } } });
const seeds = Array.from({ length: Number(values.seeds ?? 5) }, (_, i) => 101 + i * 7);
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!databaseUrl || !redisUrl) {
  console.error('bench:faults needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL');
  process.exit(2);
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const rows = [];
for (const kind of FAULT_KINDS) {
  const runs: FaultRunResult[] = [];
  for (const seed of seeds) {
    const run = await faultRun({ kind, seed, databaseUrl, redisUrl });
    console.log(JSON.stringify(run));
    runs.push(run);
  }
  const counts = Object.fromEntries(
    Object.keys(runs[0]!.counts).map((k) => [k, runs.reduce((sum, r) => sum + r.counts[k as keyof FaultCounts], 0)]),
  ) as unknown as FaultCounts;
  const dialingAgain = runs.flatMap((r) => (r.dialingAgainMs === undefined ? [] : [r.dialingAgainMs])).sort((a, b) => a - b);
  rows.push({
    kind,
    runs: runs.length,
    attempts: runs.reduce((sum, r) => sum + r.attempts, 0),
    abandonedByPbx: runs.reduce((sum, r) => sum + r.abandonedByPbx, 0),
    ...counts,
    dialingAgainP50Ms: percentile(dialingAgain, 0.5),
    dialingAgainMaxMs: dialingAgain.at(-1),
  });
}
await writeFile(new URL('results/faults.json', import.meta.url), `${JSON.stringify({ measuredAt: new Date().toISOString(), seeds, rows }, null, 2)}\n`);

const columns = Object.keys(rows[0]!) as Array<keyof (typeof rows)[number]>;
console.log(`\n| ${columns.join(' | ')} |\n|${columns.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${columns.map((c) => row[c]).join(' | ')} |`);
