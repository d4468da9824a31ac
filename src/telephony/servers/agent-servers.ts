/**
 * Which Asterisk server each agent's softphone is registered on: the agent's
 * stored record (agents.pbx_server, migration 0210), set by `placeAgent`.
 */
import type { AgentId } from '../../domain/ids.js';
import type { Queryable } from '../../storage/db.js';
import { NotFoundError } from '../../storage/errors.js';

export async function placeAgent(db: Queryable, agentId: AgentId, server: string | null): Promise<void> {
  const { rowCount } = await db.query('UPDATE agents SET pbx_server = $2 WHERE id = $1', [agentId, server]);
  if (!rowCount) throw new NotFoundError('agent', agentId);
}

/** The server of the agent's softphone, or undefined when none is set. */
export async function agentServer(db: Queryable, agentId: AgentId): Promise<string | undefined> {
  const { rows } = await db.query<{ pbx_server: string | null }>('SELECT pbx_server FROM agents WHERE id = $1', [agentId]);
  return rows[0]?.pbx_server ?? undefined;
}
