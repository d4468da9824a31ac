/**
 * How fast the ARI adapter works through ari-client against the ARI test
 * server: originates per second it issues and ARI events per second it
 * digests, and whether its memory stays flat over a long run. The server runs
 * in the same process (one core shared by both), so the figures are lower
 * bounds for the adapter alone.
 *
 *   npx tsx bench/ari-throughput.ts [--seconds 600] [--wave 200]
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AttemptId, CampaignId, type E164, LeadId, TrunkId } from '../src/domain/ids.js';
import { AriTelephony } from '../src/telephony/ari/ari-telephony.js';
import { loadAriConfig } from '../src/telephony/ari/config.js';
import type { TelephonyEvent } from '../src/telephony/port.js';
import { farEnd } from '../test/ari-server/call-script.js';
import { AriTestServer } from '../test/ari-server/server.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, wave: { type: 'string' } } });
const runSeconds = Number(values.seconds ?? 30);
const waveSize = Number(values.wave ?? 200);

const server = await AriTestServer.start({ timeScale: 0.001, keepLog: false, promptMs: 1000 });
const telephony = await AriTelephony.connect({
  config: loadAriConfig({
    ARI_URL: server.url,
    ARI_USERNAME: server.credentials.username,
    ARI_PASSWORD: server.credentials.password,
    ARI_CALLS_PER_SECOND: '10000',
    ARI_MAX_CONCURRENT_REQUESTS: '20',
    OUTPACE_ENGINE_ID: 'bench',
  }),
  logger: pino({ level: 'silent' }),
});

const busy = '+15550000001' as E164;
const human = '+15550000002' as E164;
server.pbx.script(busy, farEnd.busy());
// Answers after 1 s and hangs up after 2 s of talk (1 ms and 2 ms at this scale).
server.pbx.script(human, farEnd.human({ ringMs: 1000, talkMs: 2000 }));

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
async function wave(number: E164, calls: number): Promise<{ ms: number; events: number }> {
  const events0 = server.eventCount;
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
  return { ms: performance.now() - t0, events: server.eventCount - events0 };
}

function report(label: string, calls: number, r: { ms: number; events: number }): void {
  const perSec = (n: number) => Math.round((n * 1000) / r.ms);
  console.log(`${label}: ${calls} calls in ${r.ms.toFixed(0)} ms: ${perSec(calls)} originates/s, ${r.events} events, ${perSec(r.events)} events/s`);
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
let nextSample = 0;
while (performance.now() - start < runSeconds * 1000) {
  const r = await wave(human, waveSize);
  calls += waveSize;
  events += r.events;
  const elapsed = (performance.now() - start) / 1000;
  if (elapsed >= nextSample) {
    samples.push(`${elapsed.toFixed(0)}s:${heapMb().toFixed(1)}MB`);
    nextSample += Math.max(5, runSeconds / 10);
  }
}
const seconds = (performance.now() - start) / 1000;
console.log(
  `sustained ${seconds.toFixed(0)} s: ${calls} calls (${Math.round(calls / seconds)}/s), ${Math.round(events / seconds)} events/s; ` +
    `calls still in flight: ${telephony.callsInFlight}; heap${gc ? ' after gc' : ''}: ${samples.join(' ')}`,
);
telephony.close();
await server.close();
