/**
 * `outpace run --campaign ID [--campaign ID ...]`: `outpace serve` with the
 * campaigns' engines on Asterisk: the API, then each campaign's runner (an
 * agent campaign's engine, or a broadcast's) sharing one ARI connection, one
 * agent desk fed by the agents' WebSocket (/api/v1/agent) and one agent
 * board, so that an agent logged in to several of these campaigns (blended)
 * is never given two calls at once; the agents' state history is stored. A
 * broadcast run beside its linked agent campaign puts key-1 callers through
 * to that campaign's agents. On SIGTERM or SIGINT a drain lets every call in
 * progress finish, then the agents are logged out (reason engine-shutdown)
 * and their legs and bridges removed from Asterisk.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { z } from 'zod';
import { AgentBoard } from '../../agents/agent-board.js';
import { DeskHub } from '../../agents/desk-hub.js';
import { followSupervisorCommands } from '../../agents/supervisor-commands.js';
import { AgentSockets } from '../../api/agent-sockets.js';
import { getCampaign } from '../../campaigns/campaign-store.js';
import type { Campaign } from '../../campaigns/campaign.js';
import { measuredFeasibility } from '../../campaigns/stats.js';
import { CampaignRunElsewhereError, DEFAULT_LEASE_TTL_MS } from '../../campaigns/dialing/campaign-lease.js';
import { type CampaignRun, StandBy, standByInterval } from '../../campaigns/dialing/standby.js';
import { CampaignRunner } from '../../campaigns/dialing/campaign-runner.js';
import { StoredAgentStates } from '../../campaigns/dialing/stored-agent-states.js';
import { CampaignId } from '../../domain/ids.js';
import { LocalAgentCampaigns } from '../../engine/agent-lending.js';
import { wallClockScheduler } from '../../engine/scheduler.js';
import { BroadcastRunner } from '../../ivr/broadcast-runner.js';
import { RecordingCatalogue } from '../../recordings/recording-catalogue.js';
import { recordingStoreFromEnv } from '../../recordings/recording-store.js';
import { retentionSweep } from '../../recordings/retention.js';
import { HourlyChores } from '../../engine/hourly-chores.js';
import { applyEngineNice, engineNiceSetting } from '../../engine/process-priority.js';
import { drawEndedPeriods } from '../../qa/review-queue.js';
import { loadAriConfig } from '../../telephony/ari/config.js';
import { connectTelephony, type EngineTelephony } from '../../telephony/servers/connect-servers.js';
import { loadServersConfig } from '../../telephony/servers/servers-config.js';
import { LISTEN_OPTIONS, serveCommand, withListenOptions, type ServedEngine } from './serve.js';

const USAGE = 'usage: outpace run --campaign ID [--campaign ID ...] [--port N] [--host ADDRESS]   (needs ARI_URL, ARI_USERNAME, ARI_PASSWORD, or OUTPACE_SERVERS for several Asterisk servers; see docs/telephony.md, docs/scaling.md)';

const runEnv = z.object({
  /** The trunk calls go out on when the campaign names none ({trunk} in ARI_TRUNK_ENDPOINT). */
  OUTPACE_TRUNK: z.string().min(1).default('carrier'),
  OUTPACE_TRUNK_MAX_LINES: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Where a broadcast's prompts are checked before its first dial: the sounds/ installed on the PBX as sound:outpace/. */
  OUTPACE_SOUNDS_DIR: z.string().min(1).default(fileURLToPath(new URL('../../../sounds/', import.meta.url))),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * How long a campaign's ownership lease lasts unrenewed: an engine cut off from Redis stops dialing once it lapses,
   * and another engine may take the campaign after it. Shorter: quicker takeovers, more renewals.
   */
  OUTPACE_LEASE_TTL_MS: z.coerce.number().int().min(1000).max(600_000).default(DEFAULT_LEASE_TTL_MS),
  /** The engine's nice value (-10 beside Asterisk's highpriority: src/engine/process-priority.ts); unset: as started. */
  OUTPACE_ENGINE_NICE: engineNiceSetting,
});

/** The exit status of an engine whose calls another engine adopted (EX_TEMPFAIL: start it again, it stands by). */
export const DEPOSED_EXIT_CODE = 75;

/** Agent campaigns first, so that a broadcast's key 1 finds their agents from its first call; drained in the reverse order. */
function inStartOrder(campaigns: readonly Campaign[]): Campaign[] {
  return [...campaigns.filter((c) => c.type === 'agent'), ...campaigns.filter((c) => c.type === 'broadcast')];
}

/** The campaigns' engines as `serve` drives them; they share the API's database and coordination, and one ARI connection. */
export function campaignEngine(campaignIds: readonly CampaignId[], env: NodeJS.ProcessEnv, desk = new DeskHub()): ServedEngine {
  const settings = runEnv.parse(env);
  // Several Asterisk servers (docs/scaling.md): the first one's settings stand for the engine's own (its id).
  const servers = loadServersConfig(env);
  const ari = servers ? servers.servers[0]!.ari : loadAriConfig(env);
  const logger = pino({ name: 'outpace-engine', level: settings.LOG_LEVEL });
  applyEngineNice(settings.OUTPACE_ENGINE_NICE, logger);
  // Each recording is fetched from the server that made it.
  const recordingStore = recordingStoreFromEnv(env, servers ? servers.servers : [{ ari }]);
  let opened:
    | {
        telephony: EngineTelephony;
        runs: CampaignRun[];
        sockets: AgentSockets;
        history: StoredAgentStates;
        catalogue: RecordingCatalogue;
        chores: HourlyChores;
        unfollow: () => Promise<void>;
        /** Campaigns another engine runs, taken over here if that engine is lost. */
        standBys: StandBy[];
      }
    | undefined;
  return {
    async start(api, { db, coordination, metrics, health }) {
      const campaigns = inStartOrder(await Promise.all(campaignIds.map((id) => getCampaign(db, id))));
      // With one server, every trunk these campaigns dial on has the engine's limits, held over every engine on that server.
      const trunk = { maxLines: settings.OUTPACE_TRUNK_MAX_LINES, maxCallsPerSecond: ari.ARI_CALLS_PER_SECOND };
      const trunks = [...new Set([settings.OUTPACE_TRUNK, ...campaigns.map((c) => c.trunkId ?? settings.OUTPACE_TRUNK)])].map((id) => ({ id, ...trunk }));
      const telephony = await connectTelephony(servers ? { servers } : { ari, trunks }, {
        trunkLines: coordination.trunks,
        logger,
        db,
        scheduler: wallClockScheduler,
        restTimed: metrics.ariRequestTimed,
        reconnected: metrics.ariReconnected,
        // Another engine adopted this one's calls (its leases lapsed): this engine stops at once without touching them;
        // started again, it stands by.
        deposed: () => process.exit(DEPOSED_EXIT_CODE),
      });
      // A trunk the PBX finds unreachable is named in /health until it is back; followed from the start, so that one down before the first dial is known.
      telephony.subscribe((e) => {
        if (e.type === 'trunk.down' || e.type === 'trunk.up') health.set(`trunk ${e.trunk}`, e.type === 'trunk.down' ? e.why : undefined);
      });
      telephony.followTrunk(settings.OUTPACE_TRUNK);
      metrics.followAriQueue(() => telephony.restRequestsPending);
      // Every recording of every campaign this process runs, agent and broadcast alike.
      const catalogue = new RecordingCatalogue({ db, store: recordingStore, logger });
      telephony.subscribe(catalogue.telephonyEvent);
      const chores = new HourlyChores(
        [
          retentionSweep({ db, store: recordingStore, clock: wallClockScheduler, logger }),
          // The review queue fills itself: each campaign's day and week just ended, drawn once they are complete.
          { what: 'QA sampling draws', run: async () => void (await Promise.all(campaignIds.map((id) => drawEndedPeriods(db, id, wallClockScheduler.now())))) },
        ],
        logger,
      );
      // Said before the first dial: settings that make the abandon target or the connect deadline unreachable, or go beyond the law.
      for (const campaign of campaigns) {
        for (const finding of await measuredFeasibility(db, campaign, wallClockScheduler.now())) {
          logger[finding.severity === 'warning' ? 'warn' : 'error']({ campaignId: campaign.id, finding }, `compliance ${finding.severity}: ${finding.message}`);
        }
      }
      const agentCampaigns = new LocalAgentCampaigns();
      const board = new AgentBoard();
      const history = new StoredAgentStates({ db, onError: (what, err) => logger.error({ err }, `${what} not stored`) });
      board.subscribe(history.changed);
      const common = {
        db,
        coordination,
        engineId: ari.OUTPACE_ENGINE_ID,
        port: telephony,
        scheduler: wallClockScheduler,
        logger,
        trunk: { id: settings.OUTPACE_TRUNK, ...trunk },
        agentCampaigns,
        metrics,
        leaseTtlMs: settings.OUTPACE_LEASE_TTL_MS,
      };
      const runs = campaigns.map((c): CampaignRun =>
        c.type === 'broadcast'
          ? new BroadcastRunner({ ...common, campaignId: c.id, soundsDir: settings.OUTPACE_SOUNDS_DIR })
          : new CampaignRunner({ ...common, campaignId: c.id, desk, board }),
      );
      /** The campaigns started here, at once or by a takeover: agents log in to those only. */
      const runningHere = new Set<string>();
      const sockets = new AgentSockets({
        db,
        desk,
        board,
        engineId: ari.OUTPACE_ENGINE_ID,
        clock: wallClockScheduler,
        subscribeCalls: (l) => telephony.subscribe(l),
        runsCampaign: (id) => runningHere.has(id),
        campaignRunBy: async (id) => (await coordination.ownership.owner(id))?.engineId,
      });
      const unfollow = await followSupervisorCommands({ live: coordination.live, desk, clock: wallClockScheduler, logger, port: telephony });
      const running = { telephony, runs: [] as CampaignRun[], sockets, history, catalogue, chores, unfollow, standBys: [] as StandBy[] };
      opened = running;
      // Each campaign takes over the calls a lost engine left; then the agents' legs no call holds go.
      const lostEngines = new Set<string>();
      for (const [i, run] of runs.entries()) {
        const campaignId = campaigns[i]!.id;
        const tookOver = async (lostEngine: string | undefined) => {
          running.runs.push(run);
          // The lost engine's agents' legs that no adopted call holds go before its agents log in here; failing that, they log in all the same.
          await telephony.removeLeftLegs(lostEngine).finally(() => runningHere.add(campaignId));
        };
        try {
          const { lostEngine } = await run.start();
          // Taken from an engine lost with no call left to adopt: its application is not served here, only its name tells its legs.
          if (lostEngine !== undefined) lostEngines.add(lostEngine);
          running.runs.push(run);
          runningHere.add(campaignId);
        } catch (error) {
          if (!(error instanceof CampaignRunElsewhereError)) throw error;
          const intervalMs = standByInterval(settings.OUTPACE_LEASE_TTL_MS);
          running.standBys.push(new StandBy({ run, campaignId, scheduler: wallClockScheduler, logger, intervalMs, tookOver }, error.owner));
        }
      }
      for (const lostEngine of lostEngines.size > 0 ? lostEngines : [undefined]) await telephony.removeLeftLegs(lostEngine);
      // Agents are heard once the campaigns listen: a login before would reach no engine and be lost.
      sockets.attach(api.server);
    },
    async drain() {
      if (!opened) return;
      const { telephony, runs, sockets, history, catalogue, chores, unfollow, standBys } = opened;
      chores.stop();
      opened = undefined;
      await unfollow();
      // A takeover under way ends first: the campaign it took is drained with the others.
      await Promise.all(standBys.map((standBy) => standBy.stop()));
      // Each campaign logs its agents out once drained: their screens and their state history hear why before the sockets close.
      for (const run of [...runs].reverse()) await run.drain();
      // Agents' sockets would hold the HTTP server open past its close.
      sockets.close();
      await telephony.shutdown();
      await history.settled();
      await catalogue.settled();
    },
  };
}

export async function runCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { campaign: { type: 'string', multiple: true }, ...LISTEN_OPTIONS } });
  if (!values.campaign?.length) {
    console.error(USAGE);
    return 2;
  }
  if (!env.ARI_URL && !env.OUTPACE_SERVERS) {
    console.error(`outpace run dials through Asterisk: set ARI_URL (and ARI_USERNAME, ARI_PASSWORD). To try outpace without a PBX, run outpace demo.\n${USAGE}`);
    return 2;
  }
  const listening = withListenOptions(env, values);
  return serveCommand([], listening, campaignEngine([...new Set(values.campaign)].map(CampaignId), listening));
}
