/**
 * One engine process with 1,000 agents on nailed-up legs, dialing
 * predictively through the real ARI adapter and ari-client to the ARI test
 * server in its own process, over a simulated hour on a scaled clock (the
 * server's scripted times and the engine's clock both run `--scale` real ms
 * per simulated ms). The campaign runs as `outpace run` runs it: lease, leads
 * claimed from PostgreSQL, every attempt stored before its originate,
 * outcomes and dispositions stored.
 *
 * Measured: sustained dials per second, the time from a live answer (the
 * adapter's call.answered, on the customer channel's StasisStart) to the
 * agent connected (its call.connected, once the bridge holds the customer),
 * in real ms; the engine process's CPU and memory (heap after GC, RSS)
 * sampled every simulated five minutes; the server process's CPU beside it.
 *
 *   DATABASE_URL=... node --expose-gc --import tsx bench/agents-1000.ts [--hours 1] [--scale 0.25] [--agents 1000] [--out FILE_BASE]
 */
import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { upsertAgent } from '../src/campaigns/agents.js';
import { changeCampaignState, createCampaign } from '../src/campaigns/campaign-store.js';
import { CampaignRunner } from '../src/campaigns/dialing/campaign-runner.js';
import { createList, insertLeads, type NewLead } from '../src/campaigns/leads.js';
import { memoryCoordination } from '../src/coordination/memory.js';
import { AgentId } from '../src/domain/ids.js';
import { HOUR, MINUTE } from '../src/domain/time.js';
import { Population } from '../src/simulator/population.js';
import { runMigrations } from '../src/storage/migrate.js';
import { AriTelephony } from '../src/telephony/ari/ari-telephony.js';
import { loadAriConfig } from '../src/telephony/ari/config.js';
import { openIsolatedPostgres, postgresUrl } from '../test/support/databases.js';
import { ScriptedDesk } from '../test/support/scripted-desk.js';
import { agentsScenario, BENCH_START, mean, Quantiles, round, scaledClock, timeConnects } from './scaled-time.js';

const { values } = parseArgs({ options: { hours: { type: 'string' }, scale: { type: 'string' }, agents: { type: 'string' }, out: { type: 'string' } } });
const hours = Number(values.hours ?? 1);
const scale = Number(values.scale ?? 0.25);
const agents = Number(values.agents ?? 1000);
const outBase = values.out ?? fileURLToPath(new URL('./results/agents-1000', import.meta.url));
const SEED = 1;
const START = BENCH_START;
const SAMPLE_EVERY = 5 * MINUTE;

const scenario = agentsScenario(agents);
/** Leads to spare: this scenario dials about 55 an agent-hour. */
const LEADS = Math.ceil(agents * hours * 100);

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

// ---- the ARI test server, in its own process ---------------------------------
const server = fork(fileURLToPath(new URL('./agents-1000-server.ts', import.meta.url)), [JSON.stringify({ scenario, seed: SEED, numbers: LEADS, agents, timeScale: scale, start: START })], {
  // BENCH_SERVER_CPU_PROF=DIR profiles the server process too (--cpu-prof), to see which side a slow round trip is on.
  execArgv: ['--import', 'tsx', ...(process.env['BENCH_SERVER_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_SERVER_CPU_PROF']}`] : [])],
});
const address = await new Promise<{ url: string; username: string; password: string }>((resolve) => server.once('message', (m) => resolve(m as never)));
interface ServerUsage {
  events: number;
  cpu: NodeJS.CpuUsage;
  rss: number;
}
const serverUsage = () =>
  new Promise<ServerUsage>((resolve) => {
    server.once('message', (m) => resolve(m as ServerUsage));
    server.send('usage');
  });

// ---- the campaign in PostgreSQL -------------------------------------------------
const url = await postgresUrl();
if (!url) throw new Error('set DATABASE_URL: the engine stores every attempt');
const db = await openIsolatedPostgres(url, 10);
await runMigrations(db);
const created = await createCampaign(
  db,
  { name: 'agents-1000', type: 'agent', complianceProfile: 'us', callerId: '+12025550100', pacing: { mode: 'predictive', machineDetection: false } },
  'bench',
);
const listId = await createList(db, created.id, 'bench');
const population = new Population(scenario, SEED, START);
for (let done = 0; done < LEADS; ) {
  const batch: NewLead[] = [];
  for (; batch.length < 5000 && done < LEADS; done++) {
    batch.push({ phone: population.take().number, timeZone: 'America/New_York', priority: 0, sourceRow: done + 1 });
  }
  await insertLeads(db, listId, batch);
}
for (let n = 1; n <= agents; n++) await upsertAgent(db, { id: AgentId(`agent${n}`), name: `Agent ${n}`, redList: false });
const campaign = await changeCampaignState(db, created.id, 'start', 'bench');
log(`${LEADS} leads, ${agents} agents stored; scale ${scale} (a simulated hour lasts ${(3600 * scale).toFixed(0)} s)`);

// ---- the engine --------------------------------------------------------------
const clock = scaledClock(START, scale);
const errors = { count: 0, first: [] as string[] };
const logger = pino({ level: 'warn' }, { write: (line: string) => void (errors.count++ < 5 && errors.first.push(line)) });
function newWindow() {
  return {
    connectMs: new Quantiles(),
    agentWaitMs: new Quantiles(),
    bridgeMs: new Quantiles(),
    pendingAtConnect: new Quantiles(),
    /** The bridging request's wait for a free request slot, and its round trip. */
    bridgeQueuedMs: new Quantiles(),
    bridgeRoundTripMs: new Quantiles(),
    /** Every REST request's round trip. */
    roundTripMs: new Quantiles(),
  };
}
let window = newWindow();
const all = newWindow();
function restTimed(label: string, waitedMs: number, roundTripMs: number): void {
  for (const w of [window, all]) {
    w.roundTripMs.record(roundTripMs);
    if (label !== 'bridge addChannel') continue;
    w.bridgeQueuedMs.record(waitedMs);
    w.bridgeRoundTripMs.record(roundTripMs);
  }
}
const telephony = await AriTelephony.connect({
  config: loadAriConfig({
    ARI_URL: address.url,
    ARI_USERNAME: address.username,
    ARI_PASSWORD: address.password,
    ARI_APP: 'outpace-bench',
    ARI_CALLS_PER_SECOND: '10000',
    ARI_MAX_CONCURRENT_REQUESTS: '50',
    OUTPACE_ENGINE_ID: 'bench',
  }),
  logger,
  clock,
  restTimed,
});

// The connect is split in two: the answer to the engine's connect request (waiting for a
// free agent, which predictive pacing makes a person do now and then, within the
// deadline) and the request to the bridge holding both (the adapter, ari-client, ARI).
timeConnects(
  telephony,
  ({ answerToAgentMs, agentWaitMs, bridgeMs }) => {
    for (const w of [window, all]) {
      w.connectMs.record(answerToAgentMs);
      w.agentWaitMs.record(agentWaitMs);
      w.bridgeMs.record(bridgeMs);
    }
  },
  () => window.pendingAtConnect.record(telephony.restRequestsPending),
);

const totals = { ended: 0, live: 0, connected: 0, abandoned: 0 };
const desk = new ScriptedDesk(clock, () => 'valid-sale', scenario.wrapUpSec.mean * 1000 * scale);
telephony.subscribe(desk.telephonyEvent);
const runner = new CampaignRunner({
  db,
  coordination: memoryCoordination(clock),
  campaignId: campaign.id,
  engineId: 'bench',
  port: telephony,
  desk,
  scheduler: clock,
  logger,
  trunk: { id: 'carrier', maxLines: 10_000, maxCallsPerSecond: 1000 },
  observer: {
    agentState: desk.agentState,
    attemptEnded: (r) => {
      totals.ended++;
      if (r.outcome === 'live') totals.live++;
      if (r.connectedAt !== undefined) totals.connected++;
      if (r.abandoned) totals.abandoned++;
    },
  },
});

const gc = (globalThis as { gc?: () => void }).gc;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const storedAttempts = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM attempts WHERE campaign_id = $1', [campaign.id])).rows[0]!.n;

interface Sample {
  readonly simulatedMin: number;
  readonly realSec: number;
  readonly attemptsStored: number;
  readonly dialsPerSimulatedSec: number;
  readonly dialsPerRealSec: number;
  readonly connects: number;
  readonly connectP50Ms: number;
  readonly connectP99Ms: number;
  readonly agentWaitP99Ms: number;
  readonly bridgeP50Ms: number;
  readonly bridgeP99Ms: number;
  /** REST requests queued or in flight in the adapter when a connect was asked, p99. */
  readonly restPendingP99: number;
  readonly bridgeQueuedP99Ms: number;
  readonly bridgeRoundTripP99Ms: number;
  readonly restRoundTripP50Ms: number;
  readonly restRoundTripP99Ms: number;
  readonly engineCpuPct: number;
  readonly serverCpuPct: number;
  readonly heapAfterGcMb: number;
  readonly rssMb: number;
  readonly eventLoopDelayP99Ms: number;
  readonly callsInFlight: number;
  /** The machine's one-minute load average: other work on the machine lengthens every round trip. */
  readonly loadAverage: number;
}
const samples: Sample[] = [];

await runner.start();
for (let n = 1; n <= agents; n++) desk.login(AgentId(`agent${n}`), `PJSIP/agent${n}`);

const realStart = performance.now();
let last = { real: realStart, cpu: process.cpuUsage(), server: (await serverUsage()).cpu, attempts: 0 };
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
for (let at = SAMPLE_EVERY; at <= hours * HOUR; at += SAMPLE_EVERY) {
  await new Promise((resolve) => clock.after(START + at - clock.now(), () => resolve(undefined)));
  const real = performance.now();
  const cpu = process.cpuUsage();
  const server = (await serverUsage()).cpu;
  const attempts = await storedAttempts();
  // The scripted desk keeps every disposition for the tests' assertions: emptied here, so only the engine's memory is measured.
  desk.dispositions.length = 0;
  gc?.();
  const memory = process.memoryUsage();
  const realMs = real - last.real;
  const sample: Sample = {
    simulatedMin: at / MINUTE,
    realSec: Math.round((real - realStart) / 1000),
    attemptsStored: attempts,
    dialsPerSimulatedSec: round((attempts - last.attempts) / (SAMPLE_EVERY / 1000)),
    dialsPerRealSec: round(((attempts - last.attempts) * 1000) / realMs),
    connects: window.connectMs.count,
    connectP50Ms: round(window.connectMs.p(0.5)),
    connectP99Ms: round(window.connectMs.p(0.99)),
    agentWaitP99Ms: round(window.agentWaitMs.p(0.99)),
    bridgeP50Ms: round(window.bridgeMs.p(0.5)),
    bridgeP99Ms: round(window.bridgeMs.p(0.99)),
    restPendingP99: window.pendingAtConnect.p(0.99),
    bridgeQueuedP99Ms: round(window.bridgeQueuedMs.p(0.99)),
    bridgeRoundTripP99Ms: round(window.bridgeRoundTripMs.p(0.99)),
    restRoundTripP50Ms: round(window.roundTripMs.p(0.5)),
    restRoundTripP99Ms: round(window.roundTripMs.p(0.99)),
    engineCpuPct: round((100 * (cpuMs(cpu) - cpuMs(last.cpu))) / realMs),
    serverCpuPct: round((100 * (cpuMs(server) - cpuMs(last.server))) / realMs),
    heapAfterGcMb: round(memory.heapUsed / 2 ** 20),
    rssMb: round(memory.rss / 2 ** 20),
    eventLoopDelayP99Ms: round(loopDelay.percentile(99) / 1e6),
    callsInFlight: telephony.callsInFlight,
    loadAverage: round(loadavg()[0]!),
  };
  samples.push(sample);
  window = newWindow();
  loopDelay.reset();
  last = { real, cpu, server, attempts };
  log(JSON.stringify(sample));
}

const realSec = (performance.now() - realStart) / 1000;
log('draining: no new dials, calls in progress end');
await runner.drain();
const attempts = await storedAttempts();
const steady = samples.slice(1);
const result = {
  measuredAt: new Date().toISOString(),
  command: `node --expose-gc --import tsx bench/agents-1000.ts --hours ${hours} --scale ${scale} --agents ${agents}`,
  scenario,
  scale,
  simulatedHours: hours,
  realSeconds: Math.round(realSec),
  storage: 'PostgreSQL (every attempt stored before its originate, outcomes and dispositions)',
  attemptsStored: attempts,
  liveAnswers: totals.live,
  connected: totals.connected,
  abandoned: totals.abandoned,
  abandonRate: round(totals.live > 0 ? totals.abandoned / totals.live : 0, 4),
  sustainedDialsPerSimulatedSec: round(attempts / (hours * 3600)),
  sustainedDialsPerRealSec: round(attempts / realSec),
  connectP50Ms: round(all.connectMs.p(0.5)),
  connectP99Ms: round(all.connectMs.p(0.99)),
  connectMaxMs: round(all.connectMs.max),
  agentWaitP50Ms: round(all.agentWaitMs.p(0.5)),
  agentWaitP99Ms: round(all.agentWaitMs.p(0.99)),
  bridgeP50Ms: round(all.bridgeMs.p(0.5)),
  bridgeP99Ms: round(all.bridgeMs.p(0.99)),
  bridgeQueuedP50Ms: round(all.bridgeQueuedMs.p(0.5)),
  bridgeQueuedP99Ms: round(all.bridgeQueuedMs.p(0.99)),
  bridgeRoundTripP50Ms: round(all.bridgeRoundTripMs.p(0.5)),
  bridgeRoundTripP99Ms: round(all.bridgeRoundTripMs.p(0.99)),
  restRoundTripP50Ms: round(all.roundTripMs.p(0.5)),
  restRoundTripP99Ms: round(all.roundTripMs.p(0.99)),
  restRequests: all.roundTripMs.count,
  engineCpuPctMean: round(mean(steady.map((s) => s.engineCpuPct))),
  serverCpuPctMean: round(mean(steady.map((s) => s.serverCpuPct))),
  heapAfterGcMb: { first: samples[0]?.heapAfterGcMb, last: samples.at(-1)?.heapAfterGcMb, max: Math.max(...samples.map((s) => s.heapAfterGcMb)) },
  rssMb: { first: samples[0]?.rssMb, last: samples.at(-1)?.rssMb, max: Math.max(...samples.map((s) => s.rssMb)) },
  errorsLogged: errors.count,
  firstErrors: errors.first,
  samples,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(`${outBase}.json`, `${JSON.stringify(result, null, 2)}\n`);
await writeFile(`${outBase}.md`, report(result));
log(`written ${outBase}.{md,json}: connect p50 ${result.connectP50Ms} ms, p99 ${result.connectP99Ms} ms; ${result.sustainedDialsPerSimulatedSec} dials per simulated s`);
telephony.close();
await db.close();
server.send('close');


function report(r: typeof result): string {
  const rows = r.samples.map(
    (s) =>
      `| ${s.simulatedMin} | ${s.realSec} | ${s.attemptsStored} | ${s.dialsPerSimulatedSec} | ${s.dialsPerRealSec} | ${s.connects} | ${s.connectP50Ms} | ${s.connectP99Ms} | ${s.agentWaitP99Ms} | ${s.bridgeP99Ms} | ${s.restPendingP99} | ${s.bridgeQueuedP99Ms} | ${s.bridgeRoundTripP99Ms} | ${s.restRoundTripP50Ms} / ${s.restRoundTripP99Ms} | ${s.engineCpuPct} | ${s.serverCpuPct} | ${s.heapAfterGcMb} | ${s.rssMb} | ${s.eventLoopDelayP99Ms} | ${s.callsInFlight} | ${s.loadAverage} |`,
  );
  return [
    `# ${agents} agents, one engine process, through the ARI test server`,
    ``,
    `Measured ${r.measuredAt} with \`${r.command}\` (\`npm run bench:agents\`).`,
    `Scenario: ${scenario.description}; predictive mode; ${r.simulatedHours} simulated hour(s) in ${r.realSeconds} s real (scale ${r.scale}: the test server's scripts and the engine's clock both run ${1 / r.scale}× faster than real time). Storage: ${r.storage}.`,
    ``,
    `| figure | value |`,
    `|---|---|`,
    `| attempts stored | ${r.attemptsStored} |`,
    `| sustained dials per simulated second | ${r.sustainedDialsPerSimulatedSec} |`,
    `| sustained dials per real second (what the engine and adapter actually carried) | ${r.sustainedDialsPerRealSec} |`,
    `| live answers / connected / abandoned | ${r.liveAnswers} / ${r.connected} / ${r.abandoned} (abandon rate ${(r.abandonRate * 100).toFixed(2)}%) |`,
    `| live answer to agent connected, real ms, p50 / p99 / max | ${r.connectP50Ms} / ${r.connectP99Ms} / ${r.connectMaxMs} |`,
    `| of which waiting for a free agent (pacing), p50 / p99 | ${r.agentWaitP50Ms} / ${r.agentWaitP99Ms} |`,
    `| of which the connect request to the bridge holding both (adapter, ari-client, ARI), p50 / p99 | ${r.bridgeP50Ms} / ${r.bridgeP99Ms} |`,
    `| the bridging request: waiting for a free request slot (of ARI_MAX_CONCURRENT_REQUESTS), p50 / p99 | ${r.bridgeQueuedP50Ms} / ${r.bridgeQueuedP99Ms} |`,
    `| the bridging request: its round trip, p50 / p99 | ${r.bridgeRoundTripP50Ms} / ${r.bridgeRoundTripP99Ms} |`,
    `| every REST request's round trip (${r.restRequests} requests), p50 / p99 | ${r.restRoundTripP50Ms} / ${r.restRoundTripP99Ms} |`,
    `| engine process CPU, mean over the samples after the first | ${r.engineCpuPctMean}% of a core |`,
    `| ARI test server process CPU, same | ${r.serverCpuPctMean}% of a core |`,
    `| engine heap after GC, first / last / max sample (MB) | ${r.heapAfterGcMb.first} / ${r.heapAfterGcMb.last} / ${r.heapAfterGcMb.max} |`,
    `| engine RSS, first / last / max sample (MB) | ${r.rssMb.first} / ${r.rssMb.last} / ${r.rssMb.max} |`,
    `| warnings and errors logged | ${r.errorsLogged} |`,
    ``,
    `Every simulated five minutes:`,
    ``,
    `| sim min | real s | attempts stored | dials/sim s | dials/real s | connects | connect p50 ms | connect p99 ms | of which waiting for an agent, p99 ms | of which bridging, p99 ms | REST requests queued at connect, p99 | bridging: slot wait p99 ms | bridging: round trip p99 ms | all REST round trips p50 / p99 ms | engine CPU % | server CPU % | heap after GC MB | RSS MB | event loop delay p99 ms | customer calls in flight | machine load average (${cpus().length} cores) |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
    ...rows,
    ``,
  ].join('\n');
}
