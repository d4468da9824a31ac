/**
 * Many engines over many Asterisk servers on this machine: `--agents` agents
 * over `--engines` engine processes (one campaign each, bench/scale-engine.ts)
 * and `--servers` ARI test-server processes (bench/agents-1000-server.ts),
 * every engine driving every server through the port over several servers,
 * with PostgreSQL (every attempt stored before its originate) and a Redis of
 * the benchmark's own (so that its operations are this run's alone), on a
 * scaled clock as bench/agents-1000.ts runs it.
 *
 * Measured every simulated minute: answer-to-agent (real ms, over all
 * engines), dials per second, PostgreSQL's transactions per second (the
 * whole database's xact_commit delta: other users of the server count too,
 * said beside it) and row writes in the benchmark's schema, the CPU of the
 * PostgreSQL backends serving the engines (by application_name), Redis's
 * operations per second (INFO commandstats) and its CPU (/proc/<pid>/stat),
 * each engine's and each server's CPU.
 *
 * With `--takeover-kills N`, each campaign has a second engine standing by,
 * and after the measured minutes the engine running a campaign is killed
 * (SIGKILL) N times in turn, at a busy moment: the time from the kill to the
 * campaign dialing again from the other engine, and the calls talking at
 * the kill that the other engine adopted and kept up. The killed engine is
 * started again (under a new id, so a new ARI application) and stands by.
 *
 * `--meet` chooses how a customer meets an agent on another server
 * (docs/scaling.md): `same-server` never (OUTPACE_CROSS_SERVER_AFTER_MS=off),
 * `across-after-MS` over the inter-PBX link after waiting MS for one on
 * their own server, `anywhere` the longest-idle agent wherever at once (0).
 * The test servers are linked to each other (link-<name>); the share of
 * connects that crossed is counted, and a crossed call holds four channels
 * (customer, link out, link in, agent's leg) where one on its server holds two.
 *
 *   DATABASE_URL=... node --import tsx bench/scale.ts [--agents 5000] [--engines 4] [--servers 10] [--minutes 10] [--scale 1]
 *     [--meet same-server] [--takeover-kills 0] [--lease-ms 5000] [--channelvars shipped|none] [--out FILE_BASE] [--cpu-prof-dir DIR]
 *
 * `--channelvars none` runs the test servers as a PBX whose ari.conf lists no
 * channelvars: a takeover then asks each channel for its variables.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { upsertAgent } from '../src/campaigns/agents.js';
import { changeCampaignState, createCampaign } from '../src/campaigns/campaign-store.js';
import { createList, insertLeads, type NewLead } from '../src/campaigns/leads.js';
import { AgentId } from '../src/domain/ids.js';
import { MINUTE } from '../src/domain/time.js';
import { Population } from '../src/simulator/population.js';
import { runMigrations } from '../src/storage/migrate.js';
import { placeAgent } from '../src/telephony/servers/agent-servers.js';
import { openIsolatedPostgres, postgresUrl } from '../test/support/databases.js';
import type { DialingNews, EngineSample, EngineSetup, TakeoverNews } from './scale-engine.js';
import { agentsScenario, BENCH_START, mean, Quantiles, round } from './scaled-time.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string' },
    engines: { type: 'string' },
    servers: { type: 'string' },
    minutes: { type: 'string' },
    scale: { type: 'string' },
    out: { type: 'string' },
    'redis-port': { type: 'string' },
    'takeover-kills': { type: 'string' },
    'lease-ms': { type: 'string' },
    meet: { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
    channelvars: { type: 'string' },
  },
});
const channelvars = values.channelvars ?? 'shipped';
if (channelvars !== 'shipped' && channelvars !== 'none') throw new Error(`--channelvars ${channelvars}: use shipped (asterisk-config/ari.conf's) or none`);
const meet = values.meet ?? 'same-server';
const crossAfterMs = meet === 'same-server' ? 'off' : meet === 'anywhere' ? '0' : /^across-after-(\d+)$/.exec(meet)?.[1];
if (crossAfterMs === undefined) throw new Error(`--meet ${meet}: use same-server, across-after-MS (such as across-after-500) or anywhere`);
const agents = Number(values.agents ?? 5000);
const engines = Number(values.engines ?? 4);
const serverCount = Number(values.servers ?? 10);
const minutes = Number(values.minutes ?? 10);
const scale = Number(values.scale ?? 1);
const redisPort = Number(values['redis-port'] ?? 6479);
const takeoverKills = Number(values['takeover-kills'] ?? 0);
const leaseTtlMs = Number(values['lease-ms'] ?? 5000);
/** Where the engines write V8 CPU profiles (node --cpu-prof), for finding what a dial costs them; none without it. */
const cpuProfDir = values['cpu-prof-dir'];
const outBase = values.out ?? fileURLToPath(new URL('./results/scale', import.meta.url));
const SEED = 1;
const START = BENCH_START;
const SAMPLE_EVERY = MINUTE;
/** The engines' PostgreSQL connections carry this name: their backends' CPU is measured by it. */
const APPLICATION_NAME = 'outpace-bench-scale';

const scenario = agentsScenario(agents);
/** Leads to spare: this scenario dials about 55 an agent-hour; each takeover takes about half a minute. */
const LEADS = Math.ceil((agents * (minutes + takeoverKills / 2) * 100) / 60);

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
const cpuOf = (pid: number): number => {
  // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const tryCpu = (pid: number) => {
  try {
    return cpuOf(pid);
  } catch {
    return undefined;
  }
};
function message<T>(child: ChildProcess, filter: (m: unknown) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`a child process exited (${code}) before answering`));
    const on = (m: unknown) => {
      if (!filter(m)) return;
      child.off('message', on);
      child.off('exit', exited);
      resolve(m as T);
    };
    child.on('message', on);
    child.once('exit', exited);
  });
}
const news = (type: string) => (m: unknown) => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

// ---- a Redis of the benchmark's own ------------------------------------------------
const redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
/** Every process this benchmark starts, stopped with it whatever ends it (Ctrl-C and SIGTERM included). */
const started: ChildProcess[] = [redisServer];
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
const redisUrl = `redis://127.0.0.1:${redisPort}`;
/** Connects once redis-server answers: each try a client of its own, which gives up at its first refusal. */
async function connectRedis(): Promise<Redis> {
  for (let i = 0; ; i++) {
    const client = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      client.disconnect();
      if (i > 50) throw new Error(`redis-server on port ${redisPort} did not start: ${String(err)} (is the port taken? --redis-port)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
const redis = await connectRedis();
async function redisOps(): Promise<{ calls: number; instantaneous: number }> {
  const stats = await redis.info('commandstats');
  let calls = 0;
  // The benchmark's own INFO calls are not the engines' load.
  for (const m of stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) if (m[1] !== 'info') calls += Number(m[2]);
  const instantaneous = Number(/instantaneous_ops_per_sec:(\d+)/.exec(await redis.info('stats'))?.[1] ?? NaN);
  return { calls, instantaneous };
}

// ---- PostgreSQL --------------------------------------------------------------------
const url = await postgresUrl();
if (!url) throw new Error('set DATABASE_URL: the engines store every attempt');
const db = await openIsolatedPostgres(url, 4);
await runMigrations(db);
const engineUrl = new URL(url);
engineUrl.searchParams.set('application_name', APPLICATION_NAME);
/** Each engine backend's CPU when last seen: a backend started since counts from its start. */
const backendCpu = new Map<number, number>();
async function postgresLoad(): Promise<{ commits: number; rowWrites: number; backendCpuMs: number; backends: number }> {
  const [database] = (await db.query<{ commits: string }>('SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()')).rows;
  const [rows] = (
    await db.query<{ writes: string }>('SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS writes FROM pg_stat_user_tables WHERE schemaname = $1', [db.schema])
  ).rows;
  const pids = (await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [APPLICATION_NAME])).rows.map((r) => r.pid);
  let backendCpuMs = 0;
  for (const pid of pids) {
    const cpu = tryCpu(pid);
    if (cpu === undefined) continue;
    backendCpuMs += cpu - (backendCpu.get(pid) ?? 0);
    backendCpu.set(pid, cpu);
  }
  return { commits: Number(database!.commits), rowWrites: Number(rows!.writes), backendCpuMs, backends: pids.length };
}

const population = new Population(scenario, SEED, START);
const campaignIds: string[] = [];
const leadsPerCampaign = Math.ceil(LEADS / engines);
for (let e = 0; e < engines; e++) {
  const created = await createCampaign(
    db,
    { name: `scale-${e + 1}`, type: 'agent', complianceProfile: 'us', callerId: '+12025550100', pacing: { mode: 'predictive', machineDetection: false } },
    'bench',
  );
  const listId = await createList(db, created.id, 'bench');
  for (let done = 0; done < leadsPerCampaign; ) {
    const batch: NewLead[] = [];
    for (; batch.length < 5000 && done < leadsPerCampaign; done++) batch.push({ phone: population.take().number, timeZone: 'America/New_York', priority: 0, sourceRow: done + 1 });
    await insertLeads(db, listId, batch);
  }
  campaignIds.push((await changeCampaignState(db, created.id, 'start', 'bench')).id);
}
/** Agent n's softphone is on server n mod S; engine e's agents are the e-th block: every campaign has agents on every server. */
const serverName = (i: number) => `pbx${i + 1}`;
const agentsOf: string[][] = Array.from({ length: engines }, () => []);
for (let n = 1; n <= agents; n++) {
  const id = AgentId(`agent${n}`);
  await upsertAgent(db, { id, name: id, redList: false });
  await placeAgent(db, id, serverName(n % serverCount));
  agentsOf[Math.floor(((n - 1) * engines) / agents)]!.push(id);
}
log(`${LEADS} leads over ${engines} campaigns, ${agents} agents over ${serverCount} servers stored; scale ${scale}`);

// ---- the ARI test servers, a process each ---------------------------------------------
const servers = await Promise.all(
  Array.from({ length: serverCount }, async (_, i) => {
    const child = fork(fileURLToPath(new URL('./agents-1000-server.ts', import.meta.url)), [JSON.stringify({ scenario, seed: SEED, numbers: leadsPerCampaign * engines, agents, timeScale: scale, start: START, noChannelvars: channelvars === 'none' })], {
      execArgv: ['--import', 'tsx'],
    });
    started.push(child);
    const address = await message<{ url: string; username: string; password: string }>(child);
    return { name: serverName(i), child, ...address };
  }),
);
const serverCpuMs = async () => {
  let sum = 0;
  for (const s of servers) {
    s.child.send('usage');
    const { cpu } = await message<{ cpu: NodeJS.CpuUsage }>(s.child, (m) => typeof m === 'object' && m !== null && 'cpu' in m);
    sum += (cpu.user + cpu.system) / 1000;
  }
  return sum;
};
for (const s of servers) {
  s.child.send({ link: servers.filter((o) => o !== s).map((o) => [`link-${o.name}`, o.url]) });
  await message(s.child, (m) => typeof m === 'object' && m !== null && 'linked' in m);
}
log(`${serverCount} ARI test servers up, linked to each other`);

// ---- the engines, a process each ------------------------------------------------------
/** An engine process: running its campaign, or standing by to take it over. */
class EngineProcess {
  private constructor(readonly setup: EngineSetup, readonly child: ChildProcess) {}

  static async start(setup: EngineSetup): Promise<EngineProcess> {
    const child = fork(fileURLToPath(new URL('./scale-engine.ts', import.meta.url)), [JSON.stringify(setup)], {
      execArgv: ['--import', 'tsx', ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [])],
    });
    started.push(child);
    await message(child, (m) => m === 'ready');
    return new EngineProcess(setup, child);
  }

  sample(): Promise<EngineSample> {
    this.child.send('sample');
    return message<EngineSample>(this.child, (m) => typeof m === 'object' && m !== null && 'cpuMs' in m);
  }

  next<T>(type: string): Promise<T> {
    return message<T>(this.child, news(type));
  }

  /**
   * Killed without a drain (SIGKILL): the calls in progress would take minutes of simulated talk to end, and nothing is measured then.
   * At the end of a profiled run it is told to exit instead (it exits when its channel closes), so that node writes its CPU profile.
   */
  async stop(how: 'kill' | 'end' = 'kill'): Promise<void> {
    // A process that died already (a crash the log shows) is not waited for.
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (how === 'end' && cpuProfDir) this.child.disconnect();
    else this.child.kill('SIGKILL');
    await exited;
  }
}
/** When START is, on the wall clock, for every engine. */
const startedAt = Date.now();
const engineSetups = campaignIds.map(
  (campaignId, e): EngineSetup => ({
      engineId: `scale${e + 1}`,
      campaignId,
      agents: agentsOf[e]!,
      servers: servers.map(({ name, url, username, password }) => ({ name, url, username, password })),
      databaseUrl: engineUrl.toString(),
      schema: db.schema,
      redisUrl,
      redisPrefix: 'outpace-scale:',
      scale,
      start: START,
      startedAt,
      wrapUpMs: scenario.wrapUpSec.mean * 1000 * scale,
      linesPerServer: 10_000,
      leaseTtlMs,
      crossAfterMs,
  }),
);
const engineProcesses = await Promise.all(engineSetups.map((setup) => EngineProcess.start(setup)));
/** With takeovers to measure: a second engine for each campaign, standing by. */
const standBys = takeoverKills > 0 ? await Promise.all(engineSetups.map((setup) => EngineProcess.start({ ...setup, engineId: `${setup.engineId}-standby1` }))) : [];
log(`${engines} engines started (${standBys.length} standing by), ${agents} agents logging in`);

/**
 * The takeover time distribution (issue 19, item 1): the engine running
 * campaign k mod E is killed with SIGKILL `kills` times, 5 to 15 s after the
 * last takeover; timed from the kill to the stand-by's first dial (the lease
 * lapses `leaseTtlMs` at most after the kill), with the calls talking to an
 * agent at the kill beside the connected calls the stand-by adopted. Times
 * are simulated ms (real ms / scale), the unit of the engines' own timers and
 * of the lease.
 */
async function takeoverTimes(kills: number) {
  const sinceKill = new Quantiles();
  const takenOver = new Quantiles();
  /** From the lost engine's lease lapsing (its time to live in Redis at the kill) to the stand-by's first dial: the issue's target. */
  const sinceLapse = new Quantiles();
  /** Each phase of the takeover, from the end of the one before (simulated ms). */
  const phases = {
    'lapse to lease taken': new Quantiles(),
    'lease taken to calls found': new Quantiles(),
    'calls found to engine running': new Quantiles(),
    'engine running to idle legs removed': new Quantiles(),
    'idle legs removed to first agent ready': new Quantiles(),
    'first agent ready to first dial': new Quantiles(),
  };
  const within = <T>(p: Promise<T>, ms: number, why: string) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(why)), ms))]);
  const pairs = engineProcesses.map((owner, c) => ({ owner, standBy: standBys[c]! }));
  let talkingAtKills = 0;
  let keptUp = 0;
  let failed = 0;
  for (let k = 0; k < kills; k++) {
    const pair = pairs[k % pairs.length]!;
    await new Promise((r) => setTimeout(r, 5000 + Math.random() * 10_000));
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM attempts WHERE campaign_id = $1 AND connected_at IS NOT NULL AND ended_at IS NULL', [pair.owner.setup.campaignId]);
    const tookOver = pair.standBy.next<TakeoverNews>('took-over');
    const dialing = pair.standBy.next<DialingNews>('dialing');
    // Not waited for once a takeover failed: the process may be killed later with these still pending.
    tookOver.catch(() => undefined);
    dialing.catch(() => undefined);
    const killedAt = Date.now();
    await pair.owner.stop();
    const lapsesAt = killedAt + Math.max(0, await redis.pttl(`outpace-scale:lease:${pair.owner.setup.campaignId}`));
    try {
      const took = await within(tookOver, 60_000 * scale, 'no takeover within 60 simulated s');
      const dialed = await within(dialing, 30_000 * scale, 'taken over, but no dial within 30 simulated s');
      sinceKill.record((dialed.at - killedAt) / scale);
      sinceLapse.record((dialed.at - lapsesAt) / scale);
      takenOver.record((took.tookOverAt - killedAt) / scale);
      const marks = [lapsesAt, took.leaseTakenAt, took.adoptedAt || took.leaseTakenAt, took.tookOverAt, dialed.legsRemovedAt, dialed.firstReadyAt, dialed.at];
      Object.values(phases).forEach((q, i) => q.record((marks[i + 1]! - marks[i]!) / scale));
      talkingAtKills += Number(rows[0]!.n);
      keptUp += took.connectedAdopted;
      log(`takeover ${k + 1}/${kills}: taken over ${took.tookOverAt - killedAt} ms and dialing again ${dialed.at - killedAt} ms after the kill, ${dialed.at - lapsesAt} ms after the lease lapsed (real ms; phases ${marks.slice(1).map((m, i) => m - marks[i]!).join(' / ')}), ${took.connectedAdopted} of ${rows[0]!.n} calls talking kept up`);
    } catch (err) {
      failed++;
      log(`takeover ${k + 1}/${kills}: ${String(err)}`);
    }
    // The killed engine started again under a new id (a new ARI application, not the one the other took over), standing by.
    const next = await EngineProcess.start({ ...pair.owner.setup, engineId: `${pair.owner.setup.engineId.replace(/-standby\d+$/, '')}-standby${k + 2}` });
    pairs[k % pairs.length] = { owner: pair.standBy, standBy: next };
  }
  engineProcesses.splice(0, engineProcesses.length, ...pairs.map((p) => p.owner));
  standBys.splice(0, standBys.length, ...pairs.map((p) => p.standBy));
  return {
    kills,
    failed,
    leaseTtlMs,
    killToTakenOverP50Ms: round(takenOver.p(0.5)),
    killToTakenOverMaxMs: round(takenOver.max),
    killToDialingP50Ms: round(sinceKill.p(0.5)),
    killToDialingP90Ms: round(sinceKill.p(0.9)),
    killToDialingMaxMs: round(sinceKill.max),
    lapseToDialingP50Ms: round(sinceLapse.p(0.5)),
    lapseToDialingP90Ms: round(sinceLapse.p(0.9)),
    lapseToDialingMaxMs: round(sinceLapse.max),
    phasesP50Ms: Object.fromEntries(Object.entries(phases).map(([name, q]) => [name, round(q.p(0.5))])),
    callsTalkingAtKills: talkingAtKills,
    callsKeptUp: keptUp,
  };
}

// ---- the run ----------------------------------------------------------------------------
interface Sample {
  readonly simulatedMin: number;
  readonly realSec: number;
  readonly attemptsEnded: number;
  readonly dialsPerRealSec: number;
  readonly connects: number;
  readonly connectP50Ms: number;
  readonly connectP99Ms: number;
  readonly agentWaitP99Ms: number;
  readonly abandoned: number;
  readonly crossed: number;
  readonly engineCpuPct: number;
  readonly serverCpuPct: number;
  readonly postgresCommitsPerSec: number;
  readonly postgresRowWritesPerSec: number;
  readonly postgresBackendCpuPct: number;
  readonly redisOpsPerSec: number;
  readonly redisInstantaneousOpsPerSec: number;
  readonly redisCpuPct: number;
  readonly loadAverage: number;
}
const samples: Sample[] = [];
const all = { connectMs: new Quantiles(), agentWaitMs: new Quantiles(), attemptsEnded: 0, live: 0, abandoned: 0, crossed: 0 };
const realStart = performance.now();
const engineCpu = async () => {
  const s = await Promise.all([...engineProcesses, ...standBys].map((e) => e.sample()));
  return { cpuMs: s.reduce((a, x) => a + x.cpuMs, 0), samples: s };
};
let last = {
  real: realStart,
  engine: (await engineCpu()).cpuMs,
  server: await serverCpuMs(),
  postgres: await postgresLoad(),
  redis: await redisOps(),
  redisCpu: cpuOf(redisServer.pid!),
};
for (let at = SAMPLE_EVERY; at <= minutes * MINUTE; at += SAMPLE_EVERY) {
  await new Promise((r) => setTimeout(r, SAMPLE_EVERY * scale - (performance.now() - realStart - (at - SAMPLE_EVERY) * scale)));
  const real = performance.now();
  const engine = await engineCpu();
  const now = { real, engine: engine.cpuMs, server: await serverCpuMs(), postgres: await postgresLoad(), redis: await redisOps(), redisCpu: cpuOf(redisServer.pid!) };
  const window = { connectMs: new Quantiles(), agentWaitMs: new Quantiles() };
  let attemptsEnded = 0;
  let abandoned = 0;
  let crossed = 0;
  for (const s of engine.samples) {
    crossed += s.crossed;
    for (const ms of s.connectMs) [window.connectMs, all.connectMs].forEach((q) => q.record(ms));
    for (const ms of s.agentWaitMs) [window.agentWaitMs, all.agentWaitMs].forEach((q) => q.record(ms));
    attemptsEnded += s.attemptsEnded;
    abandoned += s.abandoned;
    all.live += s.live;
  }
  all.attemptsEnded += attemptsEnded;
  all.abandoned += abandoned;
  all.crossed += crossed;
  const realSec = (real - last.real) / 1000;
  const pct = (ms: number) => round((100 * ms) / (real - last.real));
  const sample: Sample = {
    simulatedMin: at / MINUTE,
    realSec: Math.round((real - realStart) / 1000),
    attemptsEnded,
    dialsPerRealSec: round(attemptsEnded / realSec),
    connects: window.connectMs.count,
    connectP50Ms: round(window.connectMs.p(0.5)),
    connectP99Ms: round(window.connectMs.p(0.99)),
    agentWaitP99Ms: round(window.agentWaitMs.p(0.99)),
    abandoned,
    crossed,
    engineCpuPct: pct(now.engine - last.engine),
    serverCpuPct: pct(now.server - last.server),
    postgresCommitsPerSec: round((now.postgres.commits - last.postgres.commits) / realSec),
    postgresRowWritesPerSec: round((now.postgres.rowWrites - last.postgres.rowWrites) / realSec),
    postgresBackendCpuPct: pct(now.postgres.backendCpuMs),
    redisOpsPerSec: round((now.redis.calls - last.redis.calls) / realSec),
    redisInstantaneousOpsPerSec: now.redis.instantaneous,
    redisCpuPct: pct(now.redisCpu - last.redisCpu),
    loadAverage: round(loadavg()[0]!),
  };
  samples.push(sample);
  last = now;
  log(JSON.stringify(sample));
}
const realSec = (performance.now() - realStart) / 1000;

const takeover = takeoverKills > 0 ? await takeoverTimes(takeoverKills) : 'not measured in this run (--takeover-kills N)';
await Promise.all([...engineProcesses, ...standBys].map((e) => e.stop('end')));
const steady = samples.slice(1);
const result = {
  measuredAt: new Date().toISOString(),
  command: `node --import tsx bench/scale.ts --agents ${agents} --engines ${engines} --servers ${serverCount} --minutes ${minutes} --scale ${scale} --meet ${meet} --takeover-kills ${takeoverKills} --lease-ms ${leaseTtlMs} --channelvars ${channelvars}`,
  meet,
  channelvars,
  scenario,
  agents,
  engines,
  servers: serverCount,
  scale,
  simulatedMinutes: minutes,
  realSeconds: Math.round(realSec),
  machine: { cores: cpus().length },
  attemptsEnded: all.attemptsEnded,
  liveAnswers: all.live,
  abandoned: all.abandoned,
  abandonRate: round(all.live > 0 ? all.abandoned / all.live : 0, 4),
  dialsPerRealSec: round(mean(steady.map((s) => s.dialsPerRealSec))),
  dialsPerSimulatedSec: round(mean(steady.map((s) => s.dialsPerRealSec)) * scale),
  connectP50Ms: round(all.connectMs.p(0.5)),
  connectP99Ms: round(all.connectMs.p(0.99)),
  connectMaxMs: round(all.connectMs.max),
  agentWaitP50Ms: round(all.agentWaitMs.p(0.5)),
  agentWaitP99Ms: round(all.agentWaitMs.p(0.99)),
  crossedShare: round(all.connectMs.count > 0 ? all.crossed / all.connectMs.count : 0, 4),
  /** Two channels a call on its own server (customer, agent's leg), four a crossed one (and the link's two). */
  channelsPerConnectedCall: round(all.connectMs.count > 0 ? 2 + (2 * all.crossed) / all.connectMs.count : 2, 3),
  engineCpuPct: round(mean(steady.map((s) => s.engineCpuPct))),
  serverCpuPct: round(mean(steady.map((s) => s.serverCpuPct))),
  /** CPU ms per dial: a core's percent is 10 ms a second. */
  engineCpuMsPerDial: round((mean(steady.map((s) => s.engineCpuPct)) * 10) / Math.max(1e-9, mean(steady.map((s) => s.dialsPerRealSec))), 3),
  serverCpuMsPerDial: round((mean(steady.map((s) => s.serverCpuPct)) * 10) / Math.max(1e-9, mean(steady.map((s) => s.dialsPerRealSec))), 3),
  loadAverage: round(mean(samples.map((s) => s.loadAverage))),
  postgresCommitsPerSec: round(mean(steady.map((s) => s.postgresCommitsPerSec))),
  postgresRowWritesPerSec: round(mean(steady.map((s) => s.postgresRowWritesPerSec))),
  postgresBackendCpuPct: round(mean(steady.map((s) => s.postgresBackendCpuPct))),
  redisOpsPerSec: round(mean(steady.map((s) => s.redisOpsPerSec))),
  redisCpuPct: round(mean(steady.map((s) => s.redisCpuPct))),
  takeover,
  samples,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(`${outBase}.json`, `${JSON.stringify(result, null, 2)}\n`);
await writeFile(`${outBase}.md`, report(result));
log(`written ${outBase}.{md,json}: answer-to-agent p99 ${result.connectP99Ms} ms, ${result.dialsPerRealSec} dials per real s`);

for (const s of servers) s.child.send('close');
redis.disconnect();
redisServer.kill('SIGTERM');
await db.close();

function report(r: typeof result): string {
  const per1000 = (x: number) => round((x * 1000) / r.agents / r.scale);
  const rows = r.samples.map(
    (s) =>
      `| ${s.simulatedMin} | ${s.realSec} | ${s.attemptsEnded} | ${s.dialsPerRealSec} | ${s.connects} | ${s.connectP50Ms} | ${s.connectP99Ms} | ${s.agentWaitP99Ms} | ${s.abandoned} | ${s.crossed} | ${s.engineCpuPct} | ${s.serverCpuPct} | ${s.postgresCommitsPerSec} | ${s.postgresRowWritesPerSec} | ${s.postgresBackendCpuPct} | ${s.redisOpsPerSec} | ${s.redisCpuPct} | ${s.loadAverage} |`,
  );
  return [
    `# ${r.agents} agents over ${r.engines} engine processes and ${r.servers} ARI test-server processes`,
    ``,
    `Measured ${r.measuredAt} with \`${r.command}\` (\`npm run bench:scale\`), on ${r.machine.cores} cores shared with other work.`,
    `Scenario: ${r.scenario.description}; predictive; each engine runs one campaign whose agents sit on every server (agent n on server n mod ${r.servers}), and drives every server through the port over several (src/telephony/servers/). ${r.simulatedMinutes} simulated minutes in ${r.realSeconds} s real (scale ${r.scale}). PostgreSQL: every attempt stored before its originate; Redis: a server of the benchmark's own.`,
    ``,
    `| figure | value |`,
    `|---|---|`,
    `| attempts ended | ${r.attemptsEnded} |`,
    `| dials per real second (per simulated second) | ${r.dialsPerRealSec} (${r.dialsPerSimulatedSec}) |`,
    `| live answers / abandoned | ${r.liveAnswers} / ${r.abandoned} (abandon rate ${(r.abandonRate * 100).toFixed(2)}%) |`,
    `| live answer to agent connected, real ms, p50 / p99 / max | ${r.connectP50Ms} / ${r.connectP99Ms} / ${r.connectMaxMs} |`,
    `| of which waiting for an agent the customer could meet, p50 / p99 | ${r.agentWaitP50Ms} / ${r.agentWaitP99Ms} |`,
    `| meeting design (--meet) | ${r.meet} |`,
    `| ari.conf channelvars of the test servers (--channelvars) | ${r.channelvars} |`,
    `| share of connects that crossed to another server | ${(r.crossedShare * 100).toFixed(1)}% |`,
    `| channels per connected call | ${r.channelsPerConnectedCall} |`,
    `| engine processes' CPU, all together (per dial) | ${r.engineCpuPct}% of a core (${r.engineCpuMsPerDial} ms) |`,
    `| ARI test-server processes' CPU, all together (per dial) | ${r.serverCpuPct}% of a core (${r.serverCpuMsPerDial} ms) |`,
    `| load average (${r.machine.cores} cores), mean of the samples | ${r.loadAverage} |`,
    `| PostgreSQL: transactions committed per second (the whole database: other users count too) | ${r.postgresCommitsPerSec} |`,
    `| PostgreSQL: row writes per second in the benchmark's schema (per 1,000 agents in real time) | ${r.postgresRowWritesPerSec} (${per1000(r.postgresRowWritesPerSec)}) |`,
    `| PostgreSQL: CPU of the backends serving the engines (per 1,000 agents in real time) | ${r.postgresBackendCpuPct}% of a core (${per1000(r.postgresBackendCpuPct)}%) |`,
    `| Redis: operations per second (per 1,000 agents in real time) | ${r.redisOpsPerSec} (${per1000(r.redisOpsPerSec)}) |`,
    `| Redis: CPU (per 1,000 agents in real time) | ${r.redisCpuPct}% of a core (${per1000(r.redisCpuPct)}%) |`,
    typeof r.takeover === 'string'
      ? `| takeover | ${r.takeover} |`
      : [
          `| takeover: ${r.takeover.kills} kills (lease ${r.takeover.leaseTtlMs} ms): kill to taken over p50 / max ms; kill to dialing again p50 / p90 / max ms; lease lapsed to dialing again p50 / p90 / max ms (simulated ms: real ms / scale ${r.scale}); calls talking at the kills, kept up; takeovers that failed | ${r.takeover.killToTakenOverP50Ms} / ${r.takeover.killToTakenOverMaxMs}; ${r.takeover.killToDialingP50Ms} / ${r.takeover.killToDialingP90Ms} / ${r.takeover.killToDialingMaxMs}; ${r.takeover.lapseToDialingP50Ms} / ${r.takeover.lapseToDialingP90Ms} / ${r.takeover.lapseToDialingMaxMs}; ${r.takeover.callsTalkingAtKills}, ${r.takeover.callsKeptUp}; ${r.takeover.failed} |`,
          `| takeover phases, p50 simulated ms | ${Object.entries(r.takeover.phasesP50Ms).map(([phase, ms]) => `${phase} ${ms}`).join('; ')} |`,
        ].join('\n'),
    ``,
    `Every simulated minute:`,
    ``,
    `| sim min | real s | attempts ended | dials/real s | connects | connect p50 ms | connect p99 ms | of which waiting for an agent, p99 ms | abandoned | crossed | engines CPU % | servers CPU % | PG commits/s | PG row writes/s | PG backends CPU % | Redis ops/s | Redis CPU % | load average (${r.machine.cores} cores) |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
    ...rows,
    ``,
  ].join('\n');
}
