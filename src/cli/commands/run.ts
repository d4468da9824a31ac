/**
 * `outpace run --campaign ID [--campaign ID2 ...]`: `outpace serve` with the
 * campaigns' engines on Asterisk: the API, then one engine per campaign
 * (lease, leads, calls through ARI) sharing one ARI connection, one agent
 * desk fed by the agents' WebSocket (/api/v1/agent) and one agent board, so
 * that an agent logged in to several of these campaigns (blended) is never
 * given two calls at once; the agents' state history is stored. On SIGTERM or
 * SIGINT a drain lets every call in progress finish.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { z } from 'zod';
import { AgentBoard } from '../../agents/agent-board.js';
import { DeskHub } from '../../agents/desk-hub.js';
import { AgentSockets } from '../../api/agent-sockets.js';
import { CampaignRunner } from '../../campaigns/dialing/campaign-runner.js';
import { StoredAgentStates } from '../../campaigns/dialing/stored-agent-states.js';
import type { Coordination } from '../../coordination/coordination.js';
import { openCoordinationFromEnv } from '../../coordination/open.js';
import { CampaignId } from '../../domain/ids.js';
import { wallClockScheduler } from '../../engine/scheduler.js';
import type { Db } from '../../storage/db.js';
import { AriTelephony } from '../../telephony/ari/ari-telephony.js';
import { loadAriConfig } from '../../telephony/ari/config.js';
import { openMigratedDatabase } from './database.js';
import { serveCommand, type ServedEngine } from './serve.js';

const USAGE = 'usage: outpace run --campaign ID [--campaign ID2 ...]   (needs ARI_URL, ARI_USERNAME, ARI_PASSWORD; see docs/telephony.md)';

const runEnv = z.object({
  /** The trunk calls go out on when the campaign names none ({trunk} in ARI_TRUNK_ENDPOINT). */
  OUTPACE_TRUNK: z.string().min(1).default('carrier'),
  OUTPACE_TRUNK_MAX_LINES: z.coerce.number().int().min(1).max(100_000).default(100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

interface Opened {
  readonly db: Db;
  readonly coordination: Coordination;
  readonly telephony: AriTelephony;
  readonly runners: CampaignRunner[];
  readonly sockets: AgentSockets;
  readonly history: StoredAgentStates;
}

/** The campaigns' engines as `serve` drives them; they open their own database pool and ARI connection. */
export function campaignEngine(campaignIds: readonly CampaignId[], env: NodeJS.ProcessEnv, desk = new DeskHub()): ServedEngine {
  const settings = runEnv.parse(env);
  const ari = loadAriConfig(env);
  const logger = pino({ name: 'outpace-engine', level: settings.LOG_LEVEL });
  let opened: Opened | undefined;
  return {
    async start(api) {
      const db = await openMigratedDatabase(env);
      const coordination = openCoordinationFromEnv(env);
      const telephony = await AriTelephony.connect({ config: ari, logger });
      const board = new AgentBoard();
      const history = new StoredAgentStates({ db, onError: (what, err) => logger.error({ err }, `${what} not stored`) });
      board.subscribe(history.changed);
      const runners = campaignIds.map(
        (campaignId) =>
          new CampaignRunner({
            db,
            coordination,
            campaignId,
            engineId: ari.OUTPACE_ENGINE_ID,
            port: telephony,
            desk,
            board,
            scheduler: wallClockScheduler,
            logger,
            trunk: { id: settings.OUTPACE_TRUNK, maxLines: settings.OUTPACE_TRUNK_MAX_LINES, maxCallsPerSecond: ari.ARI_CALLS_PER_SECOND },
          }),
      );
      const sockets = new AgentSockets({
        db,
        desk,
        board,
        engineId: ari.OUTPACE_ENGINE_ID,
        clock: wallClockScheduler,
        subscribeCalls: (l) => telephony.subscribe(l),
      });
      sockets.attach(api.server);
      opened = { db, coordination, telephony, runners, sockets, history };
      for (const runner of runners) await runner.start();
    },
    async drain() {
      if (!opened) return;
      const { db, coordination, telephony, runners, sockets, history } = opened;
      opened = undefined;
      await Promise.all(runners.map((runner) => runner.drain()));
      // Agents' sockets would hold the HTTP server open past its close.
      sockets.close();
      telephony.close();
      await history.settled();
      await coordination.close();
      await db.close();
    },
  };
}

export async function runCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { campaign: { type: 'string', multiple: true } } });
  if (!values.campaign?.length) {
    console.error(USAGE);
    return 2;
  }
  if (!env.ARI_URL) {
    console.error(`outpace run dials through Asterisk: set ARI_URL (and ARI_USERNAME, ARI_PASSWORD). To try outpace without a PBX, run outpace demo.\n${USAGE}`);
    return 2;
  }
  return serveCommand([], env, campaignEngine([...new Set(values.campaign)].map(CampaignId), env));
}
