/**
 * The same campaign through the real PBX lab (test/pbx/lab.sh, `npm run
 * pbx:up`) and through the ARI test server, side by side: 20 agents on the
 * lab's softphones (nailed-up legs), predictive dialing over a list of the lab carrier's people (ring 2-4 s, talk 10-14 s), no-
 * answers and busies, every attempt stored in PostgreSQL as `outpace run`
 * stores it, the engine in this process.
 *
 * Measured per side: dials per second and calls in flight (mean, max),
 * answer to bridge (the adapter's call.answered to call.connected, p50 and
 * p99), split into the wait for a free agent (pacing's share) and the bridge
 * itself (the engine's connect request to call.connected: ARI and Asterisk's
 * share), the engine's CPU and the PBX's (or the test server's) CPU, and both
 * per concurrent call. Writes bench/results/pbx.{md,json}.
 *
 * The customer's own experience is timed by Asterisk's clock (./asterisk-timeline.ts): from the far end's answer
 * to the customer in the agent's bridge, less the wait for a free agent, split into the answer's way to the
 * engine and the bridge request's way to the bridge (the engine's and Asterisk's clocks are one on one host).
 *
 *   npm run bench:pbx [-- --minutes 3 --agents 20 --recording all|agent-legs|none --engine-nice -10]
 */
import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, getPriority, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { z } from 'zod';
import { upsertAgent } from '../src/campaigns/agents.js';
import { changeCampaignState, createCampaign } from '../src/campaigns/campaign-store.js';
import { CampaignRunner } from '../src/campaigns/dialing/campaign-runner.js';
import { createList, insertLeads } from '../src/campaigns/leads.js';
import { memoryCoordination } from '../src/coordination/memory.js';
import { AgentId, type AttemptId, E164 } from '../src/domain/ids.js';
import { applyEngineNice, engineNiceSetting } from '../src/engine/process-priority.js';
import { wallClockScheduler } from '../src/engine/scheduler.js';
import { runMigrations } from '../src/storage/migrate.js';
import { AriTelephony } from '../src/telephony/ari/ari-telephony.js';
import { loadAriConfig } from '../src/telephony/ari/config.js';
import { RECORDING_POLICIES } from '../src/telephony/port.js';
import { openIsolatedPostgres, postgresUrl } from '../test/support/databases.js';
import { zoneAtNoon } from '../test/support/fixtures.js';
import { ScriptedDesk } from '../test/support/scripted-desk.js';
import { type CarrierFarEnd, carrierNumber } from '../test/pbx/carrier-scheme.js';
import { labEnvOrExplain, labProcessCpuSec } from '../test/pbx/lab-env.js';
import { AsteriskTimeline } from './asterisk-timeline.js';
import { Quantiles, round } from './scaled-time.js';

const { values } = parseArgs({
  options: { minutes: { type: 'string' }, agents: { type: 'string' }, recording: { type: 'string' }, 'engine-nice': { type: 'string' } },
});
const minutes = Number(values.minutes ?? 3);
const agents = Number(values.agents ?? 20);
/** The campaign's recording policy: `none` shows what recording costs the bridge. */
const recording = z.enum(RECORDING_POLICIES).parse(values.recording ?? 'all');
/** The engine's priority, set as `outpace run` sets it (OUTPACE_ENGINE_NICE): -10 as docs/running.md advises beside Asterisk's highpriority; 0 to see the difference. */
applyEngineNice(engineNiceSetting.parse(values['engine-nice'] ?? '-10'), pino());
const engineNice = getPriority();
const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

/** The list: three in five people, the rest unanswered or busy; numbers unique by their area code. */
function leads(count: number): string[] {
  const numbers: string[] = [];
  for (let i = 0; numbers.length < count; i++) {
    const kind = i % 10;
    const f: CarrierFarEnd =
      kind < 6 ? { kind: 'person', ringSec: 2 + (i % 3), talkSec: 10 + (i % 5) } : kind < 8 ? { kind: 'no-answer', ringSec: 6 } : { kind: 'busy', ringSec: 1 };
    numbers.push(carrierNumber(f, Math.floor(i / 30)));
  }
  return numbers;
}

const p50p99 = (q: Quantiles) => ({ p50: round(q.p(0.5)), p99: round(q.p(0.99)) });

interface Side {
  readonly name: string;
  readonly ari: { url: string; username: string; password: string };
  /** CPU seconds the telephony side (PBX and carrier, or the test server) has used so far. */
  readonly telephonyCpuSec: () => Promise<number>;
  /** Whether the side's events carry Asterisk's own times of answer and bridge (the real PBX's do; the test server's are its own). */
  readonly timesItsEvents: boolean;
  readonly close: () => Promise<void>;
}

async function realPbx(): Promise<Side> {
  const env = labEnvOrExplain();
  return {
    name: 'real PBX (Asterisk 22.10.1)',
    ari: { url: env['ARI_URL']!, username: env['ARI_USERNAME']!, password: env['ARI_PASSWORD']! },
    // The PBX alone: the carrier plays the public network, which a site does not run.
    telephonyCpuSec: async () => labProcessCpuSec('pbx'),
    timesItsEvents: true,
    close: async () => undefined,
  };
}

async function testServer(numbers: readonly string[]): Promise<Side> {
  const child = fork(fileURLToPath(new URL('./pbx-test-server.ts', import.meta.url)), [JSON.stringify({ numbers, agents })], {
    execArgv: ['--import', 'tsx'],
  });
  const address = await new Promise<{ url: string; username: string; password: string }>((resolve) => child.once('message', (m) => resolve(m as never)));
  return {
    name: 'ARI test server',
    ari: address,
    telephonyCpuSec: () =>
      new Promise((resolve) => {
        child.once('message', (m) => {
          const { cpu } = m as { cpu: NodeJS.CpuUsage };
          resolve((cpu.user + cpu.system) / 1e6);
        });
        child.send('usage');
      }),
    timesItsEvents: false,
    close: async () => {
      child.send('close');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function measure(side: Side, numbers: readonly string[], dbUrl: string) {
  const db = await openIsolatedPostgres(dbUrl, 10);
  await runMigrations(db);
  const created = await createCampaign(
    db,
    { name: `bench-pbx ${side.name}`, type: 'agent', complianceProfile: 'us', callerId: '+12025550100', pacing: { mode: 'predictive' }, recording },
    'bench',
  );
  const zone = zoneAtNoon();
  await insertLeads(db, await createList(db, created.id, 'bench'), numbers.map((phone, i) => ({ phone: E164(phone), timeZone: zone, sourceRow: i + 1 })));
  for (let n = 1; n <= agents; n++) await upsertAgent(db, { id: AgentId(`agent${n}`), name: `Agent ${n}`, redList: false });
  const campaign = await changeCampaignState(db, created.id, 'start', 'bench');

  const engineId = `bench-pbx-${Date.now().toString(36)}`;
  // The bridge request alone: how long it waited for a free request slot, and its round trip to Asterisk.
  const bridgeQueued = new Quantiles();
  const bridgeRoundTrip = new Quantiles();
  const telephony = await AriTelephony.connect({
    restTimed: (label, waitedMs, roundTripMs) => {
      if (label !== 'bridge addChannel') return;
      bridgeQueued.record(waitedMs);
      bridgeRoundTrip.record(roundTripMs);
    },
    config: loadAriConfig({
      ARI_URL: side.ari.url,
      ARI_USERNAME: side.ari.username,
      ARI_PASSWORD: side.ari.password,
      ARI_APP: `outpace-${engineId}`,
      ARI_TRUNK_ENDPOINT: 'PJSIP/{number}@{trunk}',
      OUTPACE_ENGINE_ID: engineId,
    }),
    logger: pino({ level: 'silent' }),
  });
  const answeredAt = new Map<AttemptId, number>();
  const askedAt = new Map<AttemptId, number>();
  const answerToBridge = new Quantiles();
  const bridging = new Quantiles();
  /**
   * Per connected call, the engine's wall-clock times of hearing the answer and asking for the bridge: on one host,
   * comparable with the times Asterisk puts on its events.
   */
  const engineTimes = new Map<AttemptId, { heard: number; asked: number }>();
  const timeline = side.timesItsEvents ? await AsteriskTimeline.open(side.ari) : undefined;
  telephony.subscribe((e) => {
    if (e.type === 'call.answered') answeredAt.set(e.attemptId, performance.now());
    if (e.type === 'call.answered') engineTimes.set(e.attemptId, { heard: Date.now(), asked: Number.NaN });
    if (e.type === 'call.connected') {
      const [answered, asked] = [answeredAt.get(e.attemptId), askedAt.get(e.attemptId)];
      if (answered !== undefined) answerToBridge.record(performance.now() - answered);
      if (asked !== undefined) bridging.record(performance.now() - asked);
    }
    if (e.type === 'call.ended' || e.type === 'call.failed') {
      answeredAt.delete(e.attemptId);
      askedAt.delete(e.attemptId);
    }
  });
  const connectToAgent = telephony.connectToAgent.bind(telephony);
  telephony.connectToAgent = (attemptId, agentId) => {
    askedAt.set(attemptId, performance.now());
    const times = engineTimes.get(attemptId);
    if (times) times.asked = Date.now();
    connectToAgent(attemptId, agentId);
  };
  const desk = new ScriptedDesk(wallClockScheduler, () => 'valid-sale', 2000);
  telephony.subscribe(desk.telephonyEvent);
  const totals = { dials: 0, live: 0, connected: 0, abandoned: 0 };
  const runner = new CampaignRunner({
    db,
    coordination: memoryCoordination(wallClockScheduler),
    campaignId: campaign.id,
    engineId,
    port: telephony,
    desk,
    scheduler: wallClockScheduler,
    logger: pino({ level: 'silent' }),
    trunk: { id: 'carrier', maxLines: 100, maxCallsPerSecond: 20 },
    observer: {
      agentState: desk.agentState,
      attemptOpened: () => totals.dials++,
      attemptEnded: (r) => {
        if (r.outcome === 'live') totals.live++;
        if (r.connectedAt !== undefined) totals.connected++;
        if (r.abandoned) totals.abandoned++;
      },
    },
  });
  await runner.start();
  for (let n = 1; n <= agents; n++) desk.login(AgentId(`agent${n}`), `PJSIP/agent${n}`);
  // Measured once every agent's leg is up, so both sides start from a full team.
  while (desk.dispositions.length === 0 && telephony.callsInFlight === 0) await new Promise((resolve) => setTimeout(resolve, 200));
  const start = { at: performance.now(), cpu: process.cpuUsage(), telephony: await side.telephonyCpuSec(), dials: totals.dials };
  const inFlight: number[] = [];
  const sampler = setInterval(() => inFlight.push(telephony.callsInFlight), 500);
  await new Promise((resolve) => setTimeout(resolve, minutes * 60_000));
  clearInterval(sampler);
  const seconds = (performance.now() - start.at) / 1000;
  const engineCpuSec = (() => {
    const u = process.cpuUsage(start.cpu);
    return (u.user + u.system) / 1e6;
  })();
  const telephonyCpuSec = (await side.telephonyCpuSec()) - start.telephony;
  const dials = totals.dials - start.dials;
  log(`${side.name}: measured ${Math.round(seconds)} s; draining`);
  await runner.drain();
  for (let n = 1; n <= agents; n++) telephony.logoutAgent(AgentId(`agent${n}`));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  telephony.close();
  timeline?.close();
  await db.close();
  // As the customer heard it, by Asterisk's clock: from the far end's answer to the agent's bridge, less any wait for a
  // free agent (pacing's share); split into the answer's way to the engine, and the bridge request's way to the bridge.
  const heard = { upToBridge: new Quantiles(), eventToEngine: new Quantiles(), requestToBridge: new Quantiles() };
  for (const [attemptId, engine] of engineTimes) {
    const t = timeline?.byChannel.get(`${engineId}-c-${attemptId}`);
    if (t?.up === undefined || t.application === undefined || t.enteredBridge === undefined || Number.isNaN(engine.asked)) continue;
    heard.upToBridge.record(t.enteredBridge - t.up - (engine.asked - engine.heard));
    heard.eventToEngine.record(engine.heard - t.application);
    heard.requestToBridge.record(t.enteredBridge - engine.asked);
  }
  const meanInFlight = inFlight.reduce((a, b) => a + b, 0) / Math.max(1, inFlight.length);
  return {
    side: side.name,
    seconds: Math.round(seconds),
    dials,
    dialsPerSecond: round(dials / seconds, 2),
    callsInFlightMean: round(meanInFlight),
    callsInFlightMax: Math.max(...inFlight),
    liveAnswers: totals.live,
    connected: totals.connected,
    abandoned: totals.abandoned,
    answerToBridgeP50Ms: round(answerToBridge.p(0.5)),
    answerToBridgeP99Ms: round(answerToBridge.p(0.99)),
    bridgeP50Ms: round(bridging.p(0.5)),
    bridgeP99Ms: round(bridging.p(0.99)),
    bridgeQueuedP99Ms: round(bridgeQueued.p(0.99)),
    bridgeRoundTripP50Ms: round(bridgeRoundTrip.p(0.5)),
    bridgeRoundTripP99Ms: round(bridgeRoundTrip.p(0.99)),
    bridged: answerToBridge.count,
    /** As the customer heard it (Asterisk's clock), ms. */
    heard: {
      count: heard.upToBridge.count,
      upToBridge: p50p99(heard.upToBridge),
      eventToEngine: p50p99(heard.eventToEngine),
      requestToBridge: p50p99(heard.requestToBridge),
    },
    engineCpuPct: round((100 * engineCpuSec) / seconds),
    telephonyCpuPct: round((100 * telephonyCpuSec) / seconds),
    engineCpuPctPerCall: round((100 * engineCpuSec) / seconds / meanInFlight, 2),
    telephonyCpuPctPerCall: round((100 * telephonyCpuSec) / seconds / meanInFlight, 2),
  };
}

const dbUrl = await postgresUrl();
if (!dbUrl) throw new Error('set DATABASE_URL: the engine stores every attempt');
const numbers = leads(Math.ceil(agents * minutes * 12));
const rows: Awaited<ReturnType<typeof measure>>[] = [];
for (const open of [() => realPbx(), () => testServer(numbers)]) {
  const side = await open();
  log(`${side.name}: ${agents} agents, ${numbers.length} leads, ${minutes} min`);
  try {
    rows.push(await measure(side, numbers, dbUrl));
    log(JSON.stringify(rows.at(-1)));
  } finally {
    await side.close();
  }
}

const columns: [string, (r: (typeof rows)[number]) => string | number][] = [
  ['side', (r) => r.side],
  ['dials/s', (r) => r.dialsPerSecond],
  ['calls in flight, mean (max)', (r) => `${r.callsInFlightMean} (${r.callsInFlightMax})`],
  ['connected', (r) => r.connected],
  ['abandoned', (r) => r.abandoned],
  ['answer to bridge p50 / p99 ms', (r) => `${r.answerToBridgeP50Ms} / ${r.answerToBridgeP99Ms}`],
  ['of which the bridge p50 / p99 ms', (r) => `${r.bridgeP50Ms} / ${r.bridgeP99Ms}`],
  ['bridge request: queued p99, round trip p50 / p99 ms', (r) => `${r.bridgeQueuedP99Ms}, ${r.bridgeRoundTripP50Ms} / ${r.bridgeRoundTripP99Ms}`],
  [
    "as heard, by Asterisk's clock: answer to bridge less the wait for an agent p50 / p99 ms (the answer's event to the engine p50 / p99; the engine's request to the bridge p50 / p99)",
    ({ heard: h }) =>
      h.count === 0
        ? 'n/a'
        : `${h.upToBridge.p50} / ${h.upToBridge.p99} (${h.eventToEngine.p50} / ${h.eventToEngine.p99}; ${h.requestToBridge.p50} / ${h.requestToBridge.p99})`,
  ],
  ['engine CPU % (per call)', (r) => `${r.engineCpuPct} (${r.engineCpuPctPerCall})`],
  ['PBX or server CPU % (per call)', (r) => `${r.telephonyCpuPct} (${r.telephonyCpuPctPerCall})`],
];
const table = [
  `| ${columns.map(([h]) => h).join(' | ')} |`,
  `|${columns.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${columns.map(([, f]) => f(r)).join(' | ')} |`),
].join('\n');
const out = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(out, { recursive: true });
const [loadAverage1Min] = loadavg();
await writeFile(
  join(out, 'pbx.json'),
  `${JSON.stringify({ measuredAt: new Date().toISOString(), agents, minutes, recording, engineNice, loadAverage1Min, leads: numbers.length, rows }, null, 2)}\n`,
);
await writeFile(
  join(out, 'pbx.md'),
  `# Through the real PBX and through the ARI test server\n\n${agents} agents on nailed-up legs, predictive dialing, recording ${recording}, ${minutes} minutes each, the engine at nice ${engineNice}, measured ${new Date().toISOString()} (\`npm run bench:pbx\`; load average ${loadAverage1Min!.toFixed(1)} on ${cpus().length} cores at the end). Answer to bridge runs from the customer's answer as the engine hears it to the customer in the agent's bridge: it includes any wait for a free agent, which pacing decides; the bridge alone runs from the engine's connect request. As heard: what the customer lives through, timed by Asterisk's own event timestamps (the far end's answer, ChannelEnteredBridge) less the wait for a free agent, with the answer's way to the engine and the engine's request's way to the bridge (wall clocks of one host); the engine's own figures before it also count its wait to read Asterisk's response, which the customer does not hear. CPU is % of one core; per call divides it by the mean calls in flight. The real PBX's CPU is the PBX Asterisk alone (the carrier plays the public network).\n\n${table}\n`,
);
console.log(table);
process.exit(0);
