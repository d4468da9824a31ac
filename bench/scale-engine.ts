/**
 * One engine process of the scale benchmark (bench/scale.ts): one campaign,
 * its agents spread over every ARI test server, driven as `outpace run`
 * drives it (lease and live state in Redis, every attempt in PostgreSQL)
 * through the port over several servers, on the benchmark's scaled clock.
 * Answers "sample" with what it measured since the last one (its CPU, the
 * times from a live answer to the agent connected). Started for a campaign
 * another engine runs, it stands by and, once that one is lost, takes the
 * campaign over as `outpace run` does (src/campaigns/dialing/standby.ts),
 * then says when it took over, how many connected calls it adopted, and when
 * it dialed again.
 *
 *   fork('scale-engine.ts', [JSON.stringify(setup)])
 */
import { pino } from 'pino';
import { z } from 'zod';
import { CampaignRunElsewhereError } from '../src/campaigns/dialing/campaign-lease.js';
import { CampaignRunner } from '../src/campaigns/dialing/campaign-runner.js';
import { StandBy, standByInterval } from '../src/campaigns/dialing/standby.js';
import { redisCoordination } from '../src/coordination/redis/redis-coordination.js';
import { AgentId, CampaignId } from '../src/domain/ids.js';
import { openPostgres } from '../src/storage/postgres.js';
import { connectTelephony } from '../src/telephony/servers/connect-servers.js';
import type { PbxServers } from '../src/telephony/servers/pbx-servers.js';
import { loadServersConfig } from '../src/telephony/servers/servers-config.js';
import { ScriptedDesk } from '../test/support/scripted-desk.js';
import { scaledClock, scaledCoordination, timeConnects } from './scaled-time.js';

export const engineSetupSchema = z.object({
  engineId: z.string(),
  campaignId: z.string(),
  agents: z.array(z.string()),
  servers: z.array(z.object({ name: z.string(), url: z.string(), username: z.string(), password: z.string() })),
  databaseUrl: z.string(),
  schema: z.string(),
  redisUrl: z.string(),
  redisPrefix: z.string(),
  scale: z.number().positive(),
  start: z.number(),
  /** The wall-clock moment that is `start`: every engine on one timeline, as engines on one wall clock are (leases compare their times). */
  startedAt: z.number(),
  wrapUpMs: z.number(),
  /** Lines each server's trunk gives this engine. */
  linesPerServer: z.number().int().positive(),
  leaseTtlMs: z.number().int().positive(),
  /** OUTPACE_CROSS_SERVER_AFTER_MS: off (each customer meets an agent on their own server), or after how many ms one on another. */
  crossAfterMs: z.string(),
});
export type EngineSetup = z.infer<typeof engineSetupSchema>;

/** What an engine sends at each sample. */
export interface EngineSample {
  readonly cpuMs: number;
  readonly rssMb: number;
  /** Real ms from each live answer to its agent connected, since the last sample. */
  readonly connectMs: number[];
  /** Of which waiting for an agent the customer could meet (on the call's server). */
  readonly agentWaitMs: number[];
  readonly attemptsEnded: number;
  readonly live: number;
  readonly abandoned: number;
  readonly serversUp: number;
  /** Connects since the last sample that crossed to an agent on another server. */
  readonly crossed: number;
}

/** What a stand-by engine says once it took its campaign over; times are wall-clock ms. */
export interface TakeoverNews {
  readonly type: 'took-over';
  /** The lease taken: the adoption starts. */
  readonly leaseTakenAt: number;
  /** The servers said which of the lost engine's calls they hold. */
  readonly adoptedAt: number;
  /** The runner started: the calls adopted, the engine running. */
  readonly tookOverAt: number;
  /** Calls of the lost engine still talking to an agent, adopted and kept up. */
  readonly connectedAdopted: number;
}
export interface DialingNews {
  readonly type: 'dialing';
  /** The lost engine's idle agents' legs gone: the agents log in here. */
  readonly legsRemovedAt: number;
  /** The first agent ready on this engine. */
  readonly firstReadyAt: number;
  readonly at: number;
}

const setup = engineSetupSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const clock = scaledClock(setup.start, setup.scale, setup.startedAt);
const logger = pino({ level: 'warn' });
const db = openPostgres({ url: setup.databaseUrl, schema: setup.schema, maxConnections: 6 });
const servers = loadServersConfig({
  OUTPACE_ENGINE_ID: setup.engineId,
  ARI_APP: `scale-${setup.engineId}`,
  ARI_CALLS_PER_SECOND: '10000',
  ARI_MAX_CONCURRENT_REQUESTS: '50',
  OUTPACE_CROSS_SERVER_AFTER_MS: setup.crossAfterMs,
  OUTPACE_SERVERS: JSON.stringify(
    setup.servers.map((s) => ({
      name: s.name,
      ariUrl: s.url,
      username: s.username,
      password: s.password,
      // Each test server links to the others as link-<name> (bench/scale.ts).
      link: 'PJSIP/{attempt}@link-{server}',
      trunks: [{ id: 'carrier', maxLines: setup.linesPerServer, maxCallsPerSecond: 1000 }],
    })),
  ),
})!;
const coordination = scaledCoordination(redisCoordination(setup.redisUrl, setup.redisPrefix, logger), setup.scale);
/** A stand-by engine's takeover, phase by phase (wall-clock ms), for the benchmark's breakdown. */
const takeover = { leaseTakenAt: 0, adoptedAt: 0, legsRemovedAt: 0, firstReadyAt: 0 };
const acquire = coordination.ownership.acquire.bind(coordination.ownership);
coordination.ownership.acquire = async (...args) => {
  const token = await acquire(...args);
  if (token !== null && takeover.leaseTakenAt === 0) takeover.leaseTakenAt = Date.now();
  return token;
};
const telephony = (await connectTelephony({ servers }, { logger, db, scheduler: clock, trunkLines: coordination.trunks })) as PbxServers;

let window = { connectMs: [] as number[], agentWaitMs: [] as number[], attemptsEnded: 0, live: 0, abandoned: 0 };
timeConnects(telephony, ({ answerToAgentMs, agentWaitMs }) => {
  window.connectMs.push(answerToAgentMs);
  window.agentWaitMs.push(agentWaitMs);
});

const desk = new ScriptedDesk(clock, () => 'valid-sale', setup.wrapUpMs);
telephony.subscribe(desk.telephonyEvent);
const runner = new CampaignRunner({
  db,
  coordination,
  campaignId: CampaignId(setup.campaignId),
  engineId: setup.engineId,
  port: telephony,
  desk,
  scheduler: clock,
  logger,
  trunk: { id: 'carrier', maxLines: 100_000, maxCallsPerSecond: 10_000 },
  leaseTtlMs: setup.leaseTtlMs,
  observer: {
    agentState: (agentId, from, to) => {
      if (standingBy && to === 'ready' && takeover.firstReadyAt === 0) takeover.firstReadyAt = Date.now();
      desk.agentState(agentId, from, to);
    },
    attemptEnded: (r) => {
      window.attemptsEnded++;
      if (r.outcome === 'live') window.live++;
      if (r.abandoned) window.abandoned++;
    },
  },
});
// A stand-by engine's adoption, and its first dial once the campaign is its own.
let connectedAdopted = 0;
const adoptCalls = telephony.adoptCalls.bind(telephony);
telephony.adoptCalls = async (calls) => {
  const left = await adoptCalls(calls);
  takeover.adoptedAt = Date.now();
  for (const call of left.values()) if (call.phase === 'connected') connectedAdopted++;
  return left;
};
/** A stand-by engine dials nothing before its takeover: its first originate is its first dial after it. */
let standingBy = false;
const originate = telephony.originate.bind(telephony);
telephony.originate = (request) => {
  if (standingBy) {
    standingBy = false;
    process.send?.({ type: 'dialing', legsRemovedAt: takeover.legsRemovedAt, firstReadyAt: takeover.firstReadyAt, at: Date.now() } satisfies DialingNews);
  }
  originate(request);
};
const logIn = () => {
  for (const id of setup.agents) desk.login(AgentId(id), `PJSIP/${id}`);
};
try {
  await runner.start();
  logIn();
} catch (error) {
  if (!(error instanceof CampaignRunElsewhereError)) throw error;
  const intervalMs = standByInterval(setup.leaseTtlMs);
  standingBy = true;
  new StandBy(
    {
      run: runner,
      campaignId: setup.campaignId,
      scheduler: clock,
      logger,
      intervalMs,
      tookOver: async () => {
        const { leaseTakenAt, adoptedAt } = takeover;
        process.send?.({ type: 'took-over', leaseTakenAt, adoptedAt, tookOverAt: Date.now(), connectedAdopted } satisfies TakeoverNews);
        // The lost engine's agents' legs that no adopted call holds go; its agents log in here, as the agent page does.
        await telephony.removeLeftLegs();
        takeover.legsRemovedAt = Date.now();
        logIn();
      },
    },
    error.owner,
  );
}

// The benchmark died: nothing more to drive.
process.on('disconnect', () => process.exit(0));
let crossedBefore = 0;
process.on('message', (m) => {
  if (m === 'sample') {
    desk.dispositions.length = 0;
    const cpu = process.cpuUsage();
    const sample: EngineSample = {
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssMb: process.memoryUsage().rss / 2 ** 20,
      ...window,
      serversUp: telephony.status().filter((s) => s.up).length,
      crossed: telephony.crossingsConnected - crossedBefore,
    };
    crossedBefore = telephony.crossingsConnected;
    window = { connectMs: [], agentWaitMs: [], attemptsEnded: 0, live: 0, abandoned: 0 };
    process.send?.(sample);
  }
});
process.send?.('ready');
