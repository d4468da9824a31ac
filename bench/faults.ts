/**
 * The fault-injection measurement behind `npm run bench:faults`: each fault
 * kind, several seeds (test/faults/fault-run.ts), against PostgreSQL
 * (DATABASE_URL) and Redis (REDIS_URL). Writes bench/results/faults.json,
 * one row per fault kind: runs, the counts summed over its runs (each must
 * be 0), and the time from the engine's restart to its first new dial (p50,
 * max); prints the README's table.
 *
 *   node --import tsx bench/faults.ts [--seeds 5] [--kinds sigkill-restart,redis-outage]
 *
 * With --kinds, only those kinds run; their rows replace theirs in the
 * results, and the other kinds' rows (and when they were measured) stay.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultCounts, type FaultKind, type FaultRunResult, faultRun } from '../test/faults/fault-run.js';

const { values } = parseArgs({ options: { seeds: { type: 'string' }, kinds: { type: 'string' } } });
const seeds = Array.from({ length: Number(values.seeds ?? 5) }, (_, i) => 101 + i * 7);
const kinds = values.kinds ? (values.kinds.split(',') as FaultKind[]) : [...FAULT_KINDS];
const unknown = kinds.filter((k) => !FAULT_KINDS.includes(k));
if (unknown.length > 0) {
  console.error(`bench:faults: no fault kind ${unknown.join(', ')}; the kinds are ${FAULT_KINDS.join(', ')}`);
  process.exit(2);
}
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!databaseUrl || !redisUrl) {
  console.error('bench:faults needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL');
  process.exit(2);
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const RESULTS = new URL('results/faults.json', import.meta.url);
type Row = Record<string, unknown> & { kind: FaultKind };
const rows: Row[] = [];
for (const kind of kinds) {
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
    seeds,
    measuredAt: new Date().toISOString(),
    runs: runs.length,
    attempts: runs.reduce((sum, r) => sum + r.attempts, 0),
    abandonedByPbx: runs.reduce((sum, r) => sum + r.abandonedByPbx, 0),
    ...counts,
    dialingAgainP50Ms: percentile(dialingAgain, 0.5),
    dialingAgainMaxMs: dialingAgain.at(-1),
  });
}
// The rows of the kinds not run this time stay as they were measured (each says when, and with which seeds).
interface Results {
  measuredAt?: string;
  seeds?: number[];
  rows: Row[];
}
const earlier = await readFile(RESULTS, 'utf8').then(
  (text) => JSON.parse(text) as Results,
  (): Results => ({ rows: [] }),
);
const kept: Row[] = earlier.rows.filter((r) => !kinds.includes(r.kind)).map((r) => ({ seeds: earlier.seeds, measuredAt: earlier.measuredAt, ...r }));
const all: Row[] = FAULT_KINDS.flatMap((kind) => [...rows, ...kept].filter((r) => r.kind === kind));
await writeFile(RESULTS, `${JSON.stringify({ rows: all }, null, 2)}\n`);

const columns = Object.keys(rows[0]!).filter((c) => c !== 'seeds' && c !== 'measuredAt');
console.log(`\n| ${columns.join(' | ')} |\n|${columns.map(() => '---').join('|')}|`);
for (const row of all) console.log(`| ${columns.map((c) => row[c]).join(' | ')} |`);
