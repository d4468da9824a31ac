/**
 * One fault-injection run (issue 15): a real `outpace run` process dials a
 * busy power campaign on the ARI test server (a process of its own, as
 * Asterisk is), with real PostgreSQL and Redis and agents on the agent
 * socket; at a moment drawn from the seed a fault strikes the engine, the
 * engine comes back, the campaign goes on, then a SIGTERM drains it. What
 * is left is counted: every count must be 0.
 *
 * Shared by the fault suite (test/faults/) and `npm run bench:faults`.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { appendFileSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createApiKey } from '../../src/api/keys.js';
import { AGENT_SOCKET_PATH } from '../../src/api/agent-sockets.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { DEPOSED_EXIT_CODE } from '../../src/cli/commands/run.js';
import { redisCoordination } from '../../src/coordination/redis/redis-coordination.js';
import { AgentId } from '../../src/domain/ids.js';
import type { Db } from '../../src/storage/db.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { type CallScript, farEnd } from '../ari-server/call-script.js';
import { CAUSES } from '../ari-server/causes.js';
import { AgentClient } from '../support/agent-client.js';
import { type IsolatedDb, openIsolatedPostgres } from '../support/databases.js';
import { addLeads, makeCampaign, zoneAtNoon } from '../support/fixtures.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * sigkill-restart: the engine is killed and started again (same engine id, as a supervisor does);
 * ari-socket-cut: the ARI event WebSocket drops and Asterisk refuses it for a few seconds (events meanwhile are lost);
 * postgres-outage, redis-outage: the server goes away for a few seconds, as in a restart: every connection
 *   drops and new ones are refused (through a proxy: the machine's servers are shared and are never restarted);
 * sigstop-fenced: the engine is frozen past its lease; a second engine standing by takes the campaign over
 *   (its lease, its storage fence, the frozen one's calls through its ARI application); the frozen one wakes: it
 *   must not dial, and, told its application was taken (ApplicationReplaced), it exits without touching the calls;
 * ari-requests-hang: Asterisk's REST requests hang for a few seconds (its sessionlimit reached);
 * sigkill-takeover: a second engine (its own engine id and ARI application) stands by for the campaign; the
 *   first is killed; the second takes the campaign over once the lease lapses, adopting the first one's calls
 *   through its application, and the agents log in to it;
 * ari-server-restart: Asterisk restarts: every channel and bridge gone at once, the socket dropped; the agents
 *   stay logged in, out of ready, and the engine rings their softphones again once they can be reached;
 * trunk-down: the carrier behind the campaign's only trunk stops answering qualify for a few seconds (its
 *   endpoint offline): the engine must not dial on it, and /health names it, until it is back.
 */
export const FAULT_KINDS = [
  'sigkill-restart',
  'sigkill-takeover',
  'ari-socket-cut',
  'postgres-outage',
  'redis-outage',
  'sigstop-fenced',
  'ari-requests-hang',
  'ari-server-restart',
  'trunk-down',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultCounts {
  /** Leads with two attempts in flight at once. */
  readonly leadsDialedTwice: number;
  /** Calls the PBX made that storage has no attempt for. */
  readonly attemptsLost: number;
  readonly attemptsLeftOpen: number;
  /** Leads still `dialing`, or claimed beyond now, once the engine has stopped. */
  readonly leadsStuck: number;
  /** Agents whose last stored state is not logged-out once the engine has stopped. */
  readonly agentsStuck: number;
  /** Channels and bridges the PBX still holds once the engine has stopped. */
  readonly channelsLeft: number;
  readonly bridgesLeft: number;
  /** Channels hung up over ARI while still bridged with another party. */
  readonly callsDropped: number;
  /** People who answered while no engine listened and heard silence. */
  readonly answeredIntoSilence: number;
  /** Times an agent's bridge came to hold a second customer. */
  readonly agentsDoubleBooked: number;
  /** Calls the wallboard (Redis live state) still shows in flight once the engine has stopped. */
  readonly wallboardCallsLeft: number;
  /** Attempts an engine started while another engine held its campaign (sigstop-fenced: after it woke). */
  readonly dialedWithoutLease: number;
  /** sigstop-fenced: 1 if the engine that woke deposed did not exit by itself (status 75) within 10 s. */
  readonly deposedStillRunning: number;
  /** Agents with no leg on the PBX a few seconds after dialing resumed (their legs lost with an Asterisk restart and not brought back). */
  readonly agentsWithoutLeg: number;
  /** trunk-down: attempts started while the trunk was down (from a second after it went), and times /health did not name it then. */
  readonly dialedOnTrunkDown: number;
  readonly trunkDownUnreported: number;
}

export interface FaultRunResult {
  readonly kind: FaultKind;
  readonly seed: number;
  /** When the fault struck, in ms after the campaign's first dial. */
  readonly faultAtMs: number;
  /** From the fault's end (the restart, the socket allowed again; for a takeover, the lost engine's lease expiring) to the first new attempt. */
  readonly dialingAgainMs: number | undefined;
  readonly attempts: number;
  /** People who answered while no engine listened and heard the abandon message from the dialplan (the rule: counted as abandons). */
  readonly abandonedByPbx: number;
  readonly counts: FaultCounts;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGENTS = 5;
const LEADS = 80;

/** A small, fast PRNG (mulberry32): the same seed draws the same run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The far end of lead i: mostly people talking a few seconds, some busy, some refusing after ringing. */
function scriptFor(draw: () => number): CallScript {
  const x = draw();
  // Talks long enough to outlast an engine's restart: the next engine finds calls to adopt.
  if (x < 0.65) return farEnd.human({ ringMs: 300 + draw() * 3000, talkMs: 6000 + draw() * 10_000 });
  if (x < 0.8) return farEnd.busy();
  return { kind: 'refuses-after-ringing', ringMs: 1000 + draw() * 2000, cause: CAUSES.noAnswer };
}

/** The ARI test server in its own process. */
export class PbxProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(port = 0): Promise<PbxProcess> {
    const child = fork(fileURLToPath(new URL('../ari-server/standalone.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ARI_TEST_PORT: String(port) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { url: string }) => resolve(m.url));
      child.once('exit', (code) => reject(new Error(`the ARI test server exited (${code}) before serving`)));
    });
    return new PbxProcess(child, url);
  }

  /** Killed and started again on the same port, as Asterisk restarting: its state (channels, bridges) is gone. */
  async restart(): Promise<PbxProcess> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
    return PbxProcess.start(Number(new URL(this.url).port));
  }

  ask<T>(message: Record<string, unknown>): Promise<T> {
    return new Promise((resolve) => {
      this.child.once('message', (reply: T) => resolve(reply));
      this.child.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }
}

/** An `outpace run` process, its API on a port of its own. */
class EngineProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly exited: Promise<number | null>,
  ) {}

  static async start(env: NodeJS.ProcessEnv, campaignId: string): Promise<EngineProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--campaign', campaignId], {
      cwd: ROOT,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
      // FAULT_RUN_LOG=file keeps the engines' logs (pino, on stdout; FAULT_RUN_LOG_LEVEL=debug for more) for a look at a failed run.
      stdio: ['ignore', process.env.FAULT_RUN_LOG ? openSync(process.env.FAULT_RUN_LOG, 'a') : 'ignore', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const engine = new EngineProcess(child, port, exited);
    await engine.ready();
    return engine;
  }

  get agentSocketUrl(): string {
    return `ws://127.0.0.1:${this.port}${AGENT_SOCKET_PATH}`;
  }

  /** Waits until the API answers (the campaign's engine starts just after). */
  private async ready(): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if (this.child.exitCode !== null) throw new Error(`outpace run exited with ${this.child.exitCode} before serving`);
      const ok = await fetch(`http://127.0.0.1:${this.port}/api/v1/health`).then((r) => r.ok, () => false);
      if (ok) return;
      await sleep(100);
    }
    throw new Error('outpace run did not serve within 60 s');
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

export interface FaultRunOptions {
  readonly kind: FaultKind;
  readonly seed: number;
  readonly databaseUrl: string;
  readonly redisUrl: string;
}

/** The lease of a run's engine: short, so that a freeze past it stays short too. */
const LEASE_TTL_MS = 5000;

/** A TCP proxy in front of the server at `url`. */
function proxyFor(url: string): Promise<TcpProxy> {
  const u = new URL(url);
  return TcpProxy.start({ host: u.hostname, port: Number(u.port || (u.protocol === 'redis:' ? 6379 : 5432)) });
}

/** Runs one campaign through one fault; resolves with what was left. */
export async function faultRun(o: FaultRunOptions): Promise<FaultRunResult> {
  const draw = random(o.seed);
  const db = await openIsolatedPostgres(o.databaseUrl, 4);
  const prefix = uniquePrefix();
  let pbx = await PbxProcess.start();
  // The engine reaches PostgreSQL and Redis through proxies, which the outages cut.
  const postgresProxy = await proxyFor(o.databaseUrl);
  const redisProxy = await proxyFor(o.redisUrl);
  const agents: AgentClient[] = [];
  let engine: EngineProcess | undefined;
  /** What the PBX said before it restarted: its originates and faults are counted with the new one's. */
  let before: PbxState | undefined;
  let dialedWithoutLease = 0;
  let deposedStillRunning = 0;
  let dialedOnTrunkDown = 0;
  let trunkDownUnreported = 0;
  try {
    await runMigrations(db);
    const { campaign, keys, scripts } = await busyCampaign(db, pbx, draw);
    const env = {
      ...process.env,
      DATABASE_URL: withSchema(postgresProxy.through(o.databaseUrl), db),
      REDIS_URL: redisProxy.through(o.redisUrl),
      OUTPACE_LEASE_TTL_MS: String(LEASE_TTL_MS),
      REDIS_PREFIX: prefix,
      LOG_LEVEL: process.env.FAULT_RUN_LOG ? (process.env.FAULT_RUN_LOG_LEVEL ?? 'info') : 'warn',
      ARI_URL: pbx.url,
      ARI_USERNAME: 'outpace',
      ARI_PASSWORD: 'outpace',
      ARI_APP: 'outpace-faults',
      // The same engine after a restart, as a supervisor starts it: it takes its campaign's lease back at once.
      OUTPACE_ENGINE_ID: 'faults',
      OUTPACE_RECORDING_STORE: `${process.env.TMPDIR ?? '/tmp'}/outpace-fault-recordings-${process.pid}-${Date.now()}`, // never into the checkout
    };
    engine = await EngineProcess.start(env, campaign.id);
    agents.push(...(await logIn(engine, keys, campaign)));
    // The fault strikes while the campaign is busy: counted from its first dial.
    const dialing = Date.now();
    await untilNewAttempt(db, campaign, 0, dialing);
    const faultAtMs = draw() * 6000;
    await sleep(faultAtMs);
    let faultEnd: number;
    let attemptsBefore: number;
    if (o.kind === 'sigkill-takeover') {
      const standBy = await EngineProcess.start({ ...env, ARI_APP: 'outpace-faults-b', OUTPACE_ENGINE_ID: 'faults-b' }, campaign.id);
      const leaseLeftMs = await leaseTimeLeft(o.redisUrl, prefix, campaign);
      attemptsBefore = await attemptCount(db, campaign);
      await engine.kill('SIGKILL');
      for (const agent of agents.splice(0)) agent.close();
      engine = standBy;
      // Counted from the lease's expiry, as the takeover target is (dialing again within 10 s of it).
      faultEnd = Date.now() + leaseLeftMs;
      agents.push(...(await logIn(engine, keys, campaign)));
    } else if (o.kind === 'sigkill-restart') {
      await engine.kill('SIGKILL');
      for (const agent of agents.splice(0)) agent.close();
      await sleep(500 + draw() * 1500);
      faultEnd = Date.now();
      attemptsBefore = await attemptCount(db, campaign);
      engine = await EngineProcess.start(env, campaign.id);
      agents.push(...(await logIn(engine, keys, campaign)));
    } else if (o.kind === 'ari-socket-cut' || o.kind === 'ari-requests-hang') {
      const ms = 1000 + draw() * 3000;
      await pbx.ask({ type: o.kind === 'ari-socket-cut' ? 'cut' : 'hang', ms });
      await sleep(ms);
      faultEnd = Date.now();
      attemptsBefore = await attemptCount(db, campaign);
    } else if (o.kind === 'postgres-outage' || o.kind === 'redis-outage') {
      const proxy = o.kind === 'postgres-outage' ? postgresProxy : redisProxy;
      proxy.cutOff();
      await sleep(2000 + draw() * 4000);
      proxy.restore();
      faultEnd = Date.now();
      attemptsBefore = await attemptCount(db, campaign);
    } else if (o.kind === 'sigstop-fenced') {
      const standBy = await EngineProcess.start({ ...env, ARI_APP: 'outpace-faults-b', OUTPACE_ENGINE_ID: 'faults-b' }, campaign.id);
      const frozen = engine;
      frozen.child.kill('SIGSTOP');
      for (const agent of agents.splice(0)) agent.close();
      engine = standBy;
      // The agents log in to the engine standing by, refused until it has taken the campaign over.
      agents.push(...(await logIn(engine, keys, campaign)));
      const woke = new Date();
      frozen.child.kill('SIGCONT');
      const exit = await Promise.race([frozen.exited, sleep(10_000).then(() => 'still running' as const)]);
      deposedStillRunning = exit === DEPOSED_EXIT_CODE ? 0 : 1;
      if (exit === 'still running') await frozen.kill('SIGKILL');
      dialedWithoutLease = Number(
        (
          await db.query<{ n: string }>(`SELECT count(*) AS n FROM attempts WHERE campaign_id = $1 AND engine_id = 'faults' AND originated_at >= $2`, [
            campaign.id,
            woke,
          ])
        ).rows[0]!.n,
      );
      faultEnd = woke.getTime();
      attemptsBefore = await attemptCount(db, campaign);
    } else if (o.kind === 'trunk-down') {
      await pbx.ask({ type: 'trunk', trunk: 'carrier', reachable: false });
      // The engine hears it at once (EndpointStateChange); a dial already on its way may still go out in that moment.
      await sleep(1000);
      const known = new Date();
      const health = await fetch(`http://127.0.0.1:${engine.port}/api/v1/health`).then((r) => r.json() as Promise<{ degraded?: Array<{ part: string }> }>);
      if (!health.degraded?.some((d) => d.part === 'trunk carrier')) trunkDownUnreported++;
      await sleep(1000 + draw() * 4000);
      dialedOnTrunkDown = Number(
        (await db.query<{ n: string }>(`SELECT count(*) AS n FROM attempts WHERE campaign_id = $1 AND originated_at >= $2`, [campaign.id, known])).rows[0]!.n,
      );
      await pbx.ask({ type: 'trunk', trunk: 'carrier', reachable: true });
      faultEnd = Date.now();
      attemptsBefore = await attemptCount(db, campaign);
    } else {
      before = await pbx.ask<PbxState>({ type: 'state' });
      pbx = await pbx.restart();
      await pbx.ask({ type: 'script', scripts });
      await pbx.ask({ type: 'agents', resources: agentResources() });
      faultEnd = Date.now();
      attemptsBefore = await attemptCount(db, campaign);
      // The agents' legs went with Asterisk; they stay logged in and the engine rings their softphones again by itself.
    }
    const dialingAgainMs = await untilNewAttempt(db, campaign, attemptsBefore, faultEnd);
    await sleep(4000);
    const agentsWithoutLeg = agentsWithoutLegIn(await pbx.ask<PbxState>({ type: 'state' }));
    // The drain waits for the calls in progress (a few seconds of talk): one that never ends leaves its attempt open, counted below.
    const stopped = await Promise.race([engine.kill('SIGTERM').then(() => true), sleep(60_000).then(() => false)]);
    if (!stopped) await engine.kill('SIGKILL');
    engine = undefined;
    const state = withEarlier(await pbx.ask<PbxState>({ type: 'state' }), before);
    const live = redisCoordination(o.redisUrl, prefix);
    const shown = await live.live.callsInFlight(campaign.id).finally(() => live.close());
    if (process.env.FAULT_RUN_LOG) {
      const { rows } = await db.query('SELECT a.*, l.state AS lead_state FROM attempts a JOIN leads l ON l.id = a.lead_id ORDER BY originated_at');
      appendFileSync(process.env.FAULT_RUN_LOG, `${JSON.stringify({ state, attempts: rows, faultAtMs })}\n`);
    }
    return {
      kind: o.kind,
      seed: o.seed,
      faultAtMs: Math.round(faultAtMs),
      dialingAgainMs,
      attempts: await attemptCount(db, campaign),
      abandonedByPbx: state.faults.abandonedByDialplan,
      counts: {
        ...(await countLeftovers(db, campaign, state)),
        wallboardCallsLeft: shown.length,
        dialedWithoutLease,
        deposedStillRunning,
        agentsWithoutLeg,
        dialedOnTrunkDown,
        trunkDownUnreported,
      },
    };
  } finally {
    for (const agent of agents) agent.close();
    if (engine) await engine.kill('SIGKILL');
    await pbx.stop();
    await postgresProxy.close();
    await redisProxy.close();
    await dropPrefix(o.redisUrl, prefix);
    await db.close();
  }
}

interface PbxState {
  readonly channels: string[];
  readonly bridges: string[];
  readonly faults: { droppedWhileBridged: number; answeredIntoSilence: number; twoCustomersInABridge: number; abandonedByDialplan: number };
  readonly originatedAttempts: string[];
}

/** A restarted PBX's state with what the one before it said: its originates, and the faults it saw. */
function withEarlier(state: PbxState, earlier: PbxState | undefined): PbxState {
  if (!earlier) return state;
  const faults = Object.fromEntries(
    Object.entries(state.faults).map(([k, n]) => [k, n + earlier.faults[k as keyof PbxState['faults']]]),
  ) as unknown as PbxState['faults'];
  return { ...state, faults, originatedAttempts: [...earlier.originatedAttempts, ...state.originatedAttempts] };
}

/** The agents none of whose channels (`<engine>-a-<agent>-…`, of either engine, or of a lost one) the PBX holds. */
function agentsWithoutLegIn(state: PbxState): number {
  return agentResources().filter((agent) => !state.channels.some((id) => /^faults(-b)?-a-/.test(id) && id.includes(`-a-${agent}-`))).length;
}

const agentResources = () => Array.from({ length: AGENTS }, (_, n) => `agent${n + 1}`);

async function busyCampaign(db: Db, pbx: PbxProcess, draw: () => number): Promise<{ campaign: Campaign; keys: string[]; scripts: Array<[string, CallScript]> }> {
  const campaign = await makeCampaign(db, {
    pacing: { mode: 'power', powerLinesPerAgent: 2, wrapUpTimeoutSec: 1, ringTimeoutSec: 15 },
  });
  await changeCampaignState(db, campaign.id, 'start', 'faults');
  const scripts: Array<[string, CallScript]> = [];
  for (let i = 0; i < LEADS; i++) scripts.push([`+1555${String(1_000_000 + i).padStart(7, '0')}`, scriptFor(draw)]);
  await pbx.ask({ type: 'script', scripts });
  await pbx.ask({ type: 'agents', resources: agentResources() });
  const timeZone = zoneAtNoon();
  await addLeads(db, campaign, scripts.map(([phone]) => ({ phone, timeZone })));
  const keys: string[] = [];
  for (let n = 1; n <= AGENTS; n++) {
    const agentId = AgentId(`agent${n}`);
    await upsertAgent(db, { id: agentId, name: agentId, redList: false });
    keys.push(await createApiKey(db, { name: agentId, role: 'agent', agentId }));
  }
  return { campaign, keys, scripts };
}

/**
 * Every agent opens the socket and logs in to the campaign with their softphone, as after any restart; refused
 * while the engine is still taking the campaign over, they log in again, as the agent's page does.
 */
async function logIn(engine: EngineProcess, keys: readonly string[], campaign: Campaign): Promise<AgentClient[]> {
  return Promise.all(
    keys.map(async (key, n) => {
      const agent = await openOnceServed(engine.agentSocketUrl, key);
      await agent.logIn({ endpoint: `PJSIP/agent${n + 1}`, campaigns: [campaign.id] });
      return agent;
    }),
  );
}

/** The agent socket is served once the engine has started, a little after the API answers. */
async function openOnceServed(url: string, key: string): Promise<AgentClient> {
  for (let i = 0; ; i++) {
    try {
      return await AgentClient.open(url, key);
    } catch (error) {
      if (i >= 300 || !/refused with 404/.test(String(error))) throw error;
      await sleep(100);
    }
  }
}

/** How long the campaign's lease has left in Redis (coordination/redis/ownership.ts keeps it as `{prefix}lease:{campaign}`). */
async function leaseTimeLeft(redisUrl: string, prefix: string, campaign: Campaign): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    return Math.max(0, await redis.pttl(`${prefix}lease:${campaign.id}`));
  } finally {
    redis.disconnect();
  }
}

async function attemptCount(db: Db, campaign: Campaign): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM attempts WHERE campaign_id = $1', [campaign.id]);
  return Number(rows[0]!.n);
}

/** The time from `since` to the campaign's next attempt; undefined if none comes within 30 s (a loaded machine starts a process slowly). */
async function untilNewAttempt(db: Db, campaign: Campaign, before: number, since: number): Promise<number | undefined> {
  for (let i = 0; i < 600; i++) {
    if ((await attemptCount(db, campaign)) > before) return Date.now() - since;
    await sleep(50);
  }
  return undefined;
}

type CountedElsewhere = 'wallboardCallsLeft' | 'dialedWithoutLease' | 'deposedStillRunning' | 'agentsWithoutLeg' | 'dialedOnTrunkDown' | 'trunkDownUnreported';

async function countLeftovers(db: Db, campaign: Campaign, state: PbxState): Promise<Omit<FaultCounts, CountedElsewhere>> {
  const one = async (sql: string, params: unknown[] = [campaign.id]) => Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
  const stored = new Set((await db.query<{ id: string }>('SELECT id FROM attempts WHERE campaign_id = $1', [campaign.id])).rows.map((r) => r.id));
  return {
    leadsDialedTwice: await one(
      `SELECT count(DISTINCT a.lead_id) AS n FROM attempts a JOIN attempts b ON a.lead_id = b.lead_id AND a.id <> b.id
        WHERE a.campaign_id = $1 AND b.originated_at >= a.originated_at AND b.originated_at < coalesce(a.ended_at, 'infinity')`,
    ),
    attemptsLost: state.originatedAttempts.filter((id) => !stored.has(id)).length,
    attemptsLeftOpen: await one('SELECT count(*) AS n FROM attempts WHERE campaign_id = $1 AND ended_at IS NULL'),
    leadsStuck: await one(`SELECT count(*) AS n FROM leads WHERE campaign_id = $1 AND (state = 'dialing' OR (state = 'claimed' AND claimed_until > now()))`),
    agentsStuck: await one(
      `SELECT count(*) AS n FROM (SELECT DISTINCT ON (agent_id) to_state FROM agent_states ORDER BY agent_id, id DESC) last WHERE to_state <> 'logged-out'`,
      [],
    ),
    channelsLeft: state.channels.length,
    bridgesLeft: state.bridges.length,
    callsDropped: state.faults.droppedWhileBridged,
    answeredIntoSilence: state.faults.answeredIntoSilence,
    agentsDoubleBooked: state.faults.twoCustomersInABridge,
  };
}

/** The URL the engine process opens: the isolated schema the run's database lives in, as its search path. */
function withSchema(url: string, db: IsolatedDb): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${db.schema}`);
  return u.toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

