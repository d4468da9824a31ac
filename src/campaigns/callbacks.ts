/** Callbacks: a lead to call again at an agreed time, by a named agent or anyone. */
import type { AgentId, CampaignId, LeadId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import { audit } from '../storage/audit.js';
import type { Db, Queryable } from '../storage/db.js';
import { ConflictError, NotFoundError } from '../storage/errors.js';

export const CALLBACK_STATES = ['scheduled', 'done', 'cancelled'] as const;

export interface Callback {
  readonly id: string;
  readonly leadId: LeadId;
  readonly campaignId: CampaignId;
  readonly agentId: AgentId | null;
  readonly dueAt: Date;
  readonly note: string | null;
  readonly state: (typeof CALLBACK_STATES)[number];
}

export interface NewCallback {
  readonly leadId: LeadId;
  readonly dueAt: EpochMs;
  readonly agentId?: AgentId | null | undefined;
  readonly note?: string | null | undefined;
}

const COLUMNS = `id, lead_id AS "leadId", campaign_id AS "campaignId", agent_id AS "agentId", due_at AS "dueAt", note, state`;

/**
 * Schedules a callback and reopens the lead if the campaign had finished with
 * it: a customer who asked to be called back is called back.
 */
export async function scheduleCallback(db: Queryable, callback: NewCallback, actor: string): Promise<Callback> {
  const lead = await db.query<{ campaign_id: string; state: string }>('SELECT campaign_id, state FROM leads WHERE id = $1::uuid', [
    callback.leadId,
  ]);
  const row = lead.rows[0];
  if (!row) throw new NotFoundError('lead', callback.leadId);
  if (row.state === 'do-not-call') throw new ConflictError(`lead ${callback.leadId} is on the do-not-call list`);
  const { rows } = await db.query<Callback>(
    `INSERT INTO callbacks (lead_id, campaign_id, agent_id, due_at, note) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [callback.leadId, row.campaign_id, callback.agentId ?? null, new Date(callback.dueAt), callback.note ?? null],
  );
  await db.query(`UPDATE leads SET state = 'ready' WHERE id = $1 AND state IN ('done', 'exhausted')`, [callback.leadId]);
  await audit(db, { actor, action: 'schedule', entity: 'callback', entityId: rows[0]!.id, details: { leadId: callback.leadId } });
  return rows[0]!;
}

export async function listCallbacks(
  db: Queryable,
  filter: { campaignId?: string | undefined; agentId?: string | undefined; state?: Callback['state'] | undefined },
): Promise<Callback[]> {
  const { rows } = await db.query<Callback>(
    `SELECT ${COLUMNS} FROM callbacks
      WHERE ($1::uuid IS NULL OR campaign_id = $1::uuid) AND ($2::text IS NULL OR agent_id = $2) AND ($3::text IS NULL OR state = $3)
      ORDER BY due_at LIMIT 1000`,
    [filter.campaignId ?? null, filter.agentId ?? null, filter.state ?? null],
  );
  return rows;
}

export async function cancelCallback(db: Db, id: string, actor: string): Promise<void> {
  const result = await db.query(`UPDATE callbacks SET state = 'cancelled' WHERE id = $1::uuid AND state = 'scheduled'`, [id]);
  if (result.rowCount === 0) throw new NotFoundError('scheduled callback', id);
  await audit(db, { actor, action: 'cancel', entity: 'callback', entityId: id });
}
