/**
 * How fast the ARI adapter works through ari-client against the ARI test
 * server: originates per second it issues and ARI events per second it
 * digests, and whether its memory stays flat over a long run. The server runs
 * in a child process; the adapter's own CPU time is measured, so events per
 * CPU-second is what one core running the adapter digests.
 *
 *   node --expose-gc --import tsx bench/ari-throughput.ts [--seconds 600] [--wave 200]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AttemptId, CampaignId, type E164, LeadId, TrunkId } from '../src/domain/ids.js';
import { AriTelephony } from '../src/telephony/ari/ari-telephony.js';
import { loadAriConfig } from '../src/telephony/ari/config.js';
import type { TelephonyEvent } from '../src/telephony/port.js';
import { BENCH_NUMBERS } from './ari-server-process.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, wave: { type: 'string' } } });
const runSeconds = Number(values.seconds ?? 30);
const waveSize = Number(values.wave ?? 200);

const serverProcess = fork(fileURLToPath(new URL('./ari-server-process.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
const address = await new Promise<{ url: string; username: string; password: string }>((resolve) =>
  serverProcess.once('message', (m) => resolve(m as { url: string; username: string; password: string })),
);
const eventsSent = () =>
  new Promise<number>((resolve) => {
    serverProcess.once('message', (m) => resolve((m as { events: number }).events));
    serverProcess.send('count');
  });
const telephony = await AriTelephony.connect({
  config: loadAriConfig({
    ARI_URL: address.url,
    ARI_USERNAME: address.username,
    ARI_PASSWORD: address.password,
    ARI_CALLS_PER_SECOND: '10000',
    ARI_MAX_CONCURRENT_REQUESTS: '20',
    OUTPACE_ENGINE_ID: 'bench',
  }),
  logger: pino({ level: 'silent' }),
});

const busy = BENCH_NUMBERS.busy as E164;
const human = BENCH_NUMBERS.human as E164;

let settled = 0;
let waiting: (() => void) | undefined;
let target = 0;
telephony.subscribe((e: TelephonyEvent) => {
  if (e.type === 'call.failed' || e.type === 'call.ended') {
    settled++;
    if (settled >= target) waiting?.();
  }
});

let attempt = 0;
interface Wave {
  readonly ms: number;
  readonly events: number;
  /** CPU time of this (the adapter's) process. */
  readonly cpuMs: number;
}

async function wave(number: E164, calls: number): Promise<Wave> {
  const events0 = await eventsSent();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  target = settled + calls;
  const done = new Promise<void>((resolve) => (waiting = resolve));
  for (let i = 0; i < calls; i++) {
    telephony.originate({
      attemptId: AttemptId(`b${++attempt}`),
      campaignId: CampaignId('bench'),
      leadId: LeadId(`l${attempt}`),
      number,
      callerId: '"bench" <5551000>',
      trunk: TrunkId('carrier'),
      ringTimeoutSec: 25,
      machineDetection: false,
    });
  }
  await done;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, events: (await eventsSent()) - events0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function report(label: string, calls: number, r: Wave): void {
  const perSec = (n: number, ms: number) => Math.round((n * 1000) / ms);
  console.log(
    `${label}: ${calls} calls in ${r.ms.toFixed(0)} ms: ${perSec(calls, r.ms)} originates/s, ${perSec(r.events, r.ms)} events/s; ` +
      `adapter CPU ${r.cpuMs.toFixed(0)} ms: ${perSec(calls, r.cpuMs)} originates and ${perSec(r.events, r.cpuMs)} events per CPU-second`,
  );
}

await wave(busy, 200); // warm-up: JIT, sockets
report('busy (4 events a call)', 2000, await wave(busy, 2000));
report('answered and hung up by the customer (about 11 events a call)', 2000, await wave(human, 2000));

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const samples: string[] = [];
const start = performance.now();
let calls = 0;
let events = 0;
let cpuMs = 0;
let nextSample = 0;
while (performance.now() - start < runSeconds * 1000) {
  const r = await wave(human, waveSize);
  calls += waveSize;
  events += r.events;
  cpuMs += r.cpuMs;
  const elapsed = (performance.now() - start) / 1000;
  if (elapsed >= nextSample) {
    samples.push(`${elapsed.toFixed(0)}s:${heapMb().toFixed(1)}MB`);
    nextSample += Math.max(5, runSeconds / 10);
  }
}
const seconds = (performance.now() - start) / 1000;
console.log(
  `sustained ${seconds.toFixed(0)} s: ${calls} calls (${Math.round(calls / seconds)}/s), ${Math.round(events / seconds)} events/s, ` +
    `${Math.round((events * 1000) / cpuMs)} events per adapter CPU-second; calls still in flight: ${telephony.callsInFlight}; ` +
    `heap${gc ? ' after gc' : ''}: ${samples.join(' ')}`,
);
telephony.close();
serverProcess.send('close');
