/**
 * The telephony port `outpace run` drives: one ARI connection (ARI_URL), or
 * one per server named in OUTPACE_SERVERS under the port over several.
 */
import type { Logger } from 'pino';
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
}

export function connectTelephony(target: { ari: AriConfig } | { servers: PbxServersConfig }, o: ConnectTelephonyOptions): Promise<EngineTelephony> {
  const { logger, restTimed, reconnected, deposed } = o;
  const clock = o.scheduler;
  if ('ari' in target) return AriTelephony.connect({ config: target.ari, logger, clock, restTimed, reconnected, deposed });
  return PbxServers.connect({
    config: target.servers,
    scheduler: o.scheduler,
    logger,
    agentServer: (agentId) => agentServer(o.db, agentId),
    connect: (server, link) =>
      AriTelephony.connect({
        config: server.ari,
        trunks: server.trunks,
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
