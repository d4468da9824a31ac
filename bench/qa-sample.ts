/**
 * Time to draw a week's QA sample over 1,000,000 connected calls (issue 16):
 * the pure draw (src/qa/sampling.ts) with the default plan (5% a week, 3 per
 * agent, 6 per new agent) and every sale always sampled, 500 agents, calls
 * spread over 7 days and 12 hours a day. Prints the figures; run with
 * `node --import tsx bench/qa-sample.ts [calls]`.
 */
import { drawSample, type SampleCall } from '../src/qa/sampling.js';
import { samplingPlanSchema } from '../src/qa/sampling-plan.js';
import { randomUUID } from 'node:crypto';

const n = Number(process.argv[2] ?? 1_000_000);
const days = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29'];
const calls: SampleCall[] = Array.from({ length: n }, (_, i) => ({
  attemptId: randomUUID(),
  agentId: `agent${i % 500}`,
  disposition: i % 25 === 0 ? 'valid-sale' : 'refused',
  validSale: i % 25 === 0,
  day: days[i % 7]!,
  hour: 8 + (i % 12),
}));
const plan = samplingPlanSchema.parse({});
const newAgents = new Set(Array.from({ length: 50 }, (_, i) => `agent${i}`));
const runs: number[] = [];
let picked = 0;
for (let run = 0; run < 5; run++) {
  const started = process.hrtime.bigint();
  picked = drawSample({ plan, seed: 'bench', period: { kind: 'week', start: days[0]! }, calls, newAgents }).length;
  runs.push(Number(process.hrtime.bigint() - started) / 1e6);
}
runs.sort((a, b) => a - b);
console.log(`week's draw over ${n.toLocaleString('en')} calls: ${picked.toLocaleString('en')} picked; ${runs.map((r) => r.toFixed(0)).join(', ')} ms (5 runs, sorted); median ${runs[2]!.toFixed(0)} ms; heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
