/**
 * The telephony port `outpace run` drives: one ARI connection (ARI_URL), or
 * one per server named in OUTPACE_SERVERS under the port over several. Each
 * server's trunks count their lines with the other engines' (TrunkLines):
 * the one server of ARI_URL under the name SINGLE_SERVER_NAME.
 */
import type { Logger } from 'pino';
import { SINGLE_SERVER_NAME, type TrunkLines } from '../../coordination/coordination.js';
import type { TrunkSettings } from '../../pacing/settings.js';
import type { Scheduler } from '../../engine/scheduler.js';
import type { Queryable } from '../../storage/db.js';
import { AriTelephony, type AriTelephonyOptions } from '../ari/ari-telephony.js';
import type { AriConfig } from '../ari/config.js';
import { agentServer } from './agent-servers.js';
import { PbxServers } from './pbx-servers.js';
import type { PbxServersConfig } from './servers-config.js';

export type EngineTelephony = AriTelephony | PbxServers;

export interface ConnectTelephonyOptions extends Pick<AriTelephonyOptions, 'restTimed' | 'reconnected' | 'deposed'> {
  readonly logger: Logger;
  readonly db: Queryable;
  readonly scheduler: Scheduler;
  /** Where every engine counts the trunks' lines (Coordination.trunks). */
  readonly trunkLines: TrunkLines;
}

/** One server (ARI_URL) and the trunks its engines dial on, each with the engine's limits; or the servers of OUTPACE_SERVERS. */
export type TelephonyTarget = { readonly ari: AriConfig; readonly trunks: readonly TrunkSettings[] } | { readonly servers: PbxServersConfig };

export function connectTelephony(target: TelephonyTarget, o: ConnectTelephonyOptions): Promise<EngineTelephony> {
  const { logger, restTimed, reconnected, deposed, trunkLines: lines } = o;
  const clock = o.scheduler;
  if ('ari' in target) {
    const trunkLines = { lines, server: SINGLE_SERVER_NAME };
    return AriTelephony.connect({ config: target.ari, trunks: target.trunks, trunkLines, logger, clock, restTimed, reconnected, deposed });
  }
  return PbxServers.connect({
    config: target.servers,
    scheduler: o.scheduler,
    logger,
    agentServer: (agentId) => agentServer(o.db, agentId),
    connect: (server, link) =>
      AriTelephony.connect({
        config: server.ari,
        trunks: server.trunks,
        trunkLines: { lines, server: server.name },
        logger: logger.child({ server: server.name }),
        clock,
        restTimed,
        reconnected,
        deposed,
        dropped: link.dropped,
        reconciled: link.reconciled,
      }),
  });
}
