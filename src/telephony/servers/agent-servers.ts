/**
 * Which Asterisk server each agent's softphone is registered on: the agent's
 * stored record (agents.pbx_server, migration 0210), set by `placeAgent`
 * (PATCH /agents/:id). An engine reads it at each of the agent's logins: an
 * agent moved while logged in works on their new server from their next login.
 */
import type { AgentId } from '../../domain/ids.js';
import type { Queryable } from '../../storage/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../../storage/errors.js';

/** Refuses a server the deployment does not name (`servers`: OUTPACE_SERVERS's names, undefined with one server). */
export function checkServerName(server: string | null, servers: readonly string[] | undefined): void {
  if (servers === undefined) {
    throw new ConflictError('this outpace names no Asterisk servers (OUTPACE_SERVERS is unset): with one server (ARI_URL) every agent is on it, and none is placed');
  }
  if (server !== null && !servers.includes(server)) {
    throw new ValidationError('pbxServer', `${server} is not one of the Asterisk servers named in OUTPACE_SERVERS (${servers.join(', ')}): use one of them, or null for none`);
  }
}

export async function placeAgent(db: Queryable, agentId: AgentId, server: string | null): Promise<void> {
  const { rowCount } = await db.query('UPDATE agents SET pbx_server = $2 WHERE id = $1', [agentId, server]);
  if (!rowCount) throw new NotFoundError('agent', agentId);
}

/** The server of the agent's softphone, or undefined when none is set. */
export async function agentServer(db: Queryable, agentId: AgentId): Promise<string | undefined> {
  const { rows } = await db.query<{ pbx_server: string | null }>('SELECT pbx_server FROM agents WHERE id = $1', [agentId]);
  return rows[0]?.pbx_server ?? undefined;
}
