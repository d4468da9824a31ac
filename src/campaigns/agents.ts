import type { AgentId } from '../domain/ids.js';
import type { Queryable } from '../storage/db.js';

export interface AgentRecord {
  readonly id: AgentId;
  readonly name: string;
  /** Marked for red-list (important) customers. */
  readonly redList: boolean;
}

export async function upsertAgent(db: Queryable, agent: AgentRecord): Promise<void> {
  await db.query(
    `INSERT INTO agents (id, name, red_list) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, red_list = EXCLUDED.red_list`,
    [agent.id, agent.name, agent.redList],
  );
}

export async function listAgents(db: Queryable): Promise<AgentRecord[]> {
  const { rows } = await db.query<AgentRecord>('SELECT id, name, red_list AS "redList" FROM agents ORDER BY id');
  return rows;
}
