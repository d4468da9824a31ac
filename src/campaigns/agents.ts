import type { AgentId, CampaignId } from '../domain/ids.js';
import type { Db, Queryable } from '../storage/db.js';
import { NotFoundError } from '../storage/errors.js';

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

/** Sets the campaigns the agent may log in to (replacing the former set); an empty set lets them work any. */
export async function assignCampaigns(db: Db, agentId: AgentId, campaignIds: readonly CampaignId[]): Promise<void> {
  await db.transaction(async (tx) => {
    const agent = await tx.query('SELECT 1 FROM agents WHERE id = $1', [agentId]);
    if (agent.rows.length === 0) throw new NotFoundError('agent', agentId);
    await tx.query('DELETE FROM agent_campaigns WHERE agent_id = $1', [agentId]);
    const known = await tx.query<{ id: CampaignId }>('SELECT id FROM campaigns WHERE id = ANY ($1::uuid[])', [campaignIds]);
    const unknown = campaignIds.filter((id) => !known.rows.some((r) => r.id === id));
    if (unknown.length > 0) throw new NotFoundError('campaign', unknown.join(', '));
    await tx.query('INSERT INTO agent_campaigns (agent_id, campaign_id) SELECT $1, unnest($2::uuid[])', [agentId, campaignIds]);
  });
}

/** The campaigns the agent is assigned to; none: they may work any. */
export async function assignedCampaigns(db: Queryable, agentId: AgentId): Promise<CampaignId[]> {
  const { rows } = await db.query<{ campaign_id: CampaignId }>('SELECT campaign_id FROM agent_campaigns WHERE agent_id = $1 ORDER BY campaign_id', [
    agentId,
  ]);
  return rows.map((r) => r.campaign_id);
}
