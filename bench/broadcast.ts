/**
 * A simulated broadcast of a large list: how long it takes on the given
 * lines and calls per second, the peak of lines in use and of call attempts
 * in any one second (both must stay within the trunk's limits), and the
 * outcomes; then the same list with a target end time it can meet (spread)
 * and one it cannot (the projection's warning at the start).
 *
 *   node --import tsx bench/broadcast.ts [--leads 100000] [--lines 300] [--cps 20] [--machines leave-message|hangup]
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { HOUR } from '../src/domain/time.js';
import { broadcastMachinePolicy } from '../src/ivr/message.js';
import { MACHINE_POLICIES } from '../src/pacing/settings.js';
import { type BroadcastRunOptions, runBroadcast } from '../src/simulator/run-broadcast.js';

const { values } = parseArgs({ options: { leads: { type: 'string' }, lines: { type: 'string' }, cps: { type: 'string' }, machines: { type: 'string' } } });
const base = {
  leads: Number(values.leads ?? 100_000),
  maxLines: Number(values.lines ?? 300),
  maxCallsPerSecond: Number(values.cps ?? 20),
  // The campaign's setting, checked as the campaign schema checks it.
  machinePolicy: broadcastMachinePolicy({ machinePolicy: z.enum(MACHINE_POLICIES).parse(values.machines ?? 'leave-message') }),
};

const hm = (ms: number) => new Date(ms).toISOString().slice(11, 19);

function run(label: string, o: BroadcastRunOptions): number {
  const wallStart = performance.now();
  const r = runBroadcast(o);
  const wallMs = performance.now() - wallStart;
  console.log(`\n## ${label}`);
  console.log(`leads ${o.leads}, lines ${o.maxLines}, calls/s ${o.maxCallsPerSecond}, machines: ${o.machinePolicy}${o.targetAfterMs ? `, target ${hm(o.targetAfterMs)}` : ''}`);
  console.log(`simulated: last dial after ${hm(r.lastDialMs)}, last call ended after ${hm(r.simulatedMs)}; wall ${(wallMs / 1000).toFixed(1)} s`);
  console.log(`peak lines ${r.peakLines} (limit ${o.maxLines}); peak calls in any second ${r.peakCallsPerSecond} (limit ${o.maxCallsPerSecond})`);
  console.log(`outcomes ${JSON.stringify(r.outcomes)}; callbacks ${r.callbacksScheduled}; opt-outs ${r.optOuts}`);
  console.log(`projection at start: ${r.projection.onTime ? 'on time' : `LATE: ${r.projection.warning}`}`);
  if (r.peakLines > o.maxLines || r.peakCallsPerSecond > o.maxCallsPerSecond) {
    console.log('LIMIT EXCEEDED');
    return 1;
  }
  return 0;
}

let failures = run('as fast as the trunk allows', base);
failures += run('finish in 5 hours (spread)', { ...base, targetAfterMs: 5 * HOUR });
failures += run('finish in 1 hour (cannot: said at the start)', { ...base, targetAfterMs: HOUR });
process.exit(failures > 0 ? 1 : 0);
