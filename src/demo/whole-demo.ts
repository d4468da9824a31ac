/**
 * The whole flow on the simulator, with nothing to install: the embedded
 * database (in memory), the demo campaign and its imported leads, the real
 * CampaignRunner (lease, claims, every attempt stored before its originate,
 * outcomes and dispositions moving the leads on) driving the simulated
 * telephony, simulated agents logging in through the desk and dispositioning
 * their calls, the HTTP API and the agent socket, all on one simulated clock
 * paced with the wall clock.
 *
 * The database lives in memory: each demo starts from an empty database, so
 * its simulated day can be the same day each time (stored times never go
 * backwards within one database), and a demo leaves nothing behind. To keep
 * data, use `outpace migrate`, `import` and `run`.
 */
import type { Logger } from 'pino';
import { AgentBoard } from '../agents/agent-board.js';
import { DeskHub } from '../agents/desk-hub.js';
import { AgentSockets } from '../api/agent-sockets.js';
import type { Api } from '../api/context.js';
import { buildApi } from '../api/server.js';
import { followSupervisorCommands } from '../agents/supervisor-commands.js';
import { OutpaceMetrics } from '../metrics/metrics.js';
import { keepRollupCaughtUp } from '../reports/rollup.js';
import type { Campaign } from '../campaigns/campaign.js';
import { DEFAULT_LEASE_TTL_MS } from '../campaigns/dialing/campaign-lease.js';
import { CampaignRunner } from '../campaigns/dialing/campaign-runner.js';
import { StoredAgentStates } from '../campaigns/dialing/stored-agent-states.js';
import { memoryCoordination } from '../coordination/memory.js';
import { HOUR, type EpochMs } from '../domain/time.js';
import type { EngineObserver } from '../engine/campaign-engine.js';
import type { DialMode } from '../pacing/settings.js';
import { SimulatedTime } from '../simulator/event-queue.js';
import { paceWithWallClock } from '../simulator/paced-time.js';
import { Population } from '../simulator/population.js';
import { shiftStart } from '../simulator/run-shift.js';
import type { Scenario } from '../simulator/scenario.js';
import { SimulatedAgents } from '../simulator/simulated-agents.js';
import { SimulatedTelephony } from '../simulator/simulated-telephony.js';
import type { Db } from '../storage/db.js';
import { runMigrations } from '../storage/migrate.js';
import { openPglite } from '../storage/pglite.js';
import { HUMAN_AGENT, prepareDemoCampaign } from './demo-campaign.js';
import type { AgentId } from '../domain/ids.js';
import { demoDispositions } from './disposition-mix.js';

/** The scenario's start (HH:MM) is read in New York, where the leads live: 09:00 EST is 14:00 UTC in January. */
const NEW_YORK_WINTER_OFFSET = 5 * HOUR;
/** Leads generated per agent per simulated hour: more than the busiest mode dials, so the hopper never runs dry. */
const LEADS_PER_AGENT_HOUR = 150;
const ENGINE_ID = 'demo';

export interface WholeDemoOptions {
  readonly scenario: Scenario;
  readonly mode: DialMode;
  readonly hours: number;
  /** Simulated seconds per real second. */
  readonly speed: number;
  readonly seed: number;
  /** The API's port (0: any free one) and host. */
  readonly port: number;
  readonly host: string;
  readonly logger: Logger;
  /** Told what the engine decides and does (the terminal view). */
  readonly observer?: EngineObserver;
}

export interface StoredProgress {
  readonly attempts: number;
  readonly leadsByState: Readonly<Record<string, number>>;
  readonly callbacksScheduled: number;
}

export interface WholeDemo {
  readonly campaign: Campaign;
  readonly leadsImported: number;
  /** The API's base address, such as http://127.0.0.1:8080. */
  readonly url: string;
  readonly agentKey: string;
  readonly supervisorKey: string;
  readonly db: Db;
  /** The one clock of the demo: engine, simulator, storage and API. */
  readonly time: SimulatedTime;
  readonly start: EpochMs;
  readonly end: EpochMs;
  /** Resolves when simulated time reaches the end of the shift. */
  readonly shiftOver: Promise<void>;
  stored(): Promise<StoredProgress>;
  /** Stops dialing and lets the calls in progress end and be stored; simulated time goes on meanwhile. */
  drain(): Promise<void>;
  /** After the drain: stops the clock, closes the API and the database. */
  close(): Promise<void>;
}

export async function startWholeDemo(o: WholeDemoOptions): Promise<WholeDemo> {
  const start = shiftStart(o.scenario) + NEW_YORK_WINTER_OFFSET;
  const end = start + o.hours * HOUR;
  const time = new SimulatedTime(start);
  const db = await openPglite();
  await runMigrations(db);
  const demo = await prepareDemoCampaign(db, {
    scenario: o.scenario,
    mode: o.mode,
    leads: Math.ceil(o.scenario.agents * o.hours * LEADS_PER_AGENT_HOUR),
    seed: o.seed,
  });

  const agents = new SimulatedAgents(time, o.scenario, o.seed, demoDispositions(o.seed));
  // Customers put through to the person at the desk talk in real seconds, as the person does.
  const personTime = (agentId: AgentId) => (agentId === HUMAN_AGENT ? o.speed : 1);
  const telephony = new SimulatedTelephony(time, o.scenario, new Population(o.scenario, o.seed, start), agents, personTime);
  // The simulated agents and a person on the agent socket speak through one desk.
  const desk = new DeskHub();
  agents.subscribe((e) => desk.publish(e));
  const coordination = memoryCoordination(time);
  // The agents' state history, stored as \`outpace run\` stores it: the API's stats read their time and occupancy from it.
  const board = new AgentBoard();
  const history = new StoredAgentStates({ db, onError: (what, err) => o.logger.error({ err }, `${what} not stored`) });
  board.subscribe(history.changed);
  const metrics = new OutpaceMetrics();
  const runner = new CampaignRunner({
    metrics,
    db,
    coordination,
    campaignId: demo.campaign.id,
    engineId: ENGINE_ID,
    port: telephony,
    desk,
    board,
    scheduler: time,
    logger: o.logger,
    // The lease runs on the simulated clock: at 300× a 50 ms pause of the event loop is 15 simulated
    // seconds, enough to lapse the usual lease; the demo has no other engine to guard against.
    leaseTtlMs: DEFAULT_LEASE_TTL_MS * o.speed,
    trunk: { id: 'sim', maxLines: o.scenario.trunk.maxLines, maxCallsPerSecond: o.scenario.trunk.maxCallsPerSecond },
    observer: o.observer,
    // A person signed in as agent `you` wraps up in real seconds, not in the simulated clock's.
    humanTimeScale: o.speed,
  });
  const api: Api = await buildApi({ db, coordination, clock: time, metrics });
  // With the board and the engine's id, as `outpace run` builds it: agent `you` hears their state, wrap-ups and offers, and dials by hand.
  const sockets = new AgentSockets({ db, desk, board, engineId: ENGINE_ID, clock: time, clockRate: o.speed, subscribeCalls: (l) => telephony.subscribe(l) });
  sockets.attach(api.server);
  await api.listen({ port: o.port, host: o.host });
  const address = api.server.address();
  const url = `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${typeof address === 'object' && address ? address.port : o.port}`;

  await runner.start();
  const stopRollup = keepRollupCaughtUp(db, (err) => o.logger.error({ err }, "the reports' rollup did not catch up"));
  const unfollow = await followSupervisorCommands({ live: coordination.live, desk, clock: time, logger: o.logger });
  agents.planShift(start);
  const stopPacing = paceWithWallClock(time, o.speed);
  const shiftOver = new Promise<void>((resolve) => time.after(end - start, resolve));

  return {
    campaign: demo.campaign,
    leadsImported: demo.leadsImported,
    url,
    agentKey: demo.agentKey,
    supervisorKey: demo.supervisorKey,
    db,
    time,
    start,
    end,
    shiftOver,
    stored: () => storedProgress(db, demo.campaign),
    drain: () => runner.drain(),
    async close() {
      stopPacing();
      await stopRollup();
      await unfollow();
      sockets.close();
      await history.settled();
      await api.close();
      await coordination.close();
      await db.close();
    },
  };
}

async function storedProgress(db: Db, campaign: Campaign): Promise<StoredProgress> {
  const [attempts, leads, callbacks] = await Promise.all([
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM attempts WHERE campaign_id = $1', [campaign.id]),
    db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM leads WHERE campaign_id = $1 GROUP BY state', [campaign.id]),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM callbacks WHERE campaign_id = $1 AND state = 'scheduled'`, [campaign.id]),
  ]);
  return {
    attempts: attempts.rows[0]!.n,
    leadsByState: Object.fromEntries(leads.rows.map((r) => [r.state, r.n])),
    callbacksScheduled: callbacks.rows[0]!.n,
  };
}
