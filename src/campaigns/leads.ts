/** Lists and their leads: bulk insertion (the importer's and the tests'), reading, searching, assigning. */
import type { AgentId, CampaignId, E164, LeadId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import { audit } from '../storage/audit.js';
import type { Db, Queryable } from '../storage/db.js';
import { NotFoundError } from '../storage/errors.js';

export type ListId = string & { readonly __list: true };

export async function createList(db: Queryable, campaignId: CampaignId, name: string, source?: string): Promise<ListId> {
  const { rows } = await db.query<{ id: ListId }>(
    `INSERT INTO lists (campaign_id, name, source) VALUES ($1, $2, $3)
     ON CONFLICT (campaign_id, name) DO UPDATE SET source = coalesce(EXCLUDED.source, lists.source) RETURNING id`,
    [campaignId, name, source ?? null],
  );
  return rows[0]!.id;
}

export interface NewLead {
  readonly phone: E164;
  readonly timeZone: string;
  /** Further zones the number's area spans: the lead is called only while the window is open in every one. */
  readonly otherTimeZones?: readonly string[];
  readonly customFields?: Record<string, unknown>;
  readonly priority?: number;
  /** Row of the import file, for the import's report. */
  readonly sourceRow?: number;
}

/** The further zones as a PostgreSQL array literal: zone names hold no commas, quotes, braces or spaces. */
export function otherTimeZonesText(lead: NewLead): string | undefined {
  return lead.otherTimeZones?.length ? `{${lead.otherTimeZones.join(',')}}` : undefined;
}

/**
 * Inserts leads, creating their customers; a number the list already holds is
 * left as it is. Returns the source rows (or indexes) actually inserted.
 */
export async function insertLeads(db: Queryable, listId: ListId, leads: readonly NewLead[], importId?: string): Promise<Set<number>> {
  if (leads.length === 0) return new Set();
  const phones = leads.map((l) => l.phone);
  // Separate statements, not one: the lookup must see customers a concurrent import just created.
  await db.query('INSERT INTO customers (phone) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (phone) DO NOTHING', [phones]);
  const customers = await db.query<{ id: string; phone: string }>('SELECT id, phone FROM customers WHERE phone = ANY ($1::text[])', [phones]);
  const customerOf = new Map(customers.rows.map((c) => [c.phone, c.id]));
  const { rows } = await db.query<{ source_row: number }>(
    `INSERT INTO leads (list_id, campaign_id, customer_id, phone, time_zone, other_time_zones, custom_fields, priority, source_row, import_id)
     SELECT $1, lists.campaign_id, x.customer_id, x.phone, x.time_zone, x.other_time_zones::text[], x.custom_fields, x.priority, x.source_row, $8::uuid
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::int[], $9::text[])
            AS x(customer_id, phone, time_zone, custom_fields, priority, source_row, other_time_zones)
       JOIN lists ON lists.id = $1
     ON CONFLICT (list_id, phone) DO NOTHING
     RETURNING source_row`,
    [
      listId,
      phones.map((phone) => customerOf.get(phone)),
      phones,
      leads.map((l) => l.timeZone),
      leads.map((l) => JSON.stringify(l.customFields ?? {})),
      leads.map((l) => l.priority ?? 0),
      leads.map((l, i) => l.sourceRow ?? i),
      importId ?? null,
      // One array literal per lead: unnest would flatten an array of arrays.
      leads.map((l) => otherTimeZonesText(l) ?? null),
    ],
  );
  return new Set(rows.map((r) => r.source_row));
}

export interface Lead {
  readonly id: LeadId;
  readonly listId: ListId;
  readonly campaignId: CampaignId;
  readonly customerId: string;
  readonly phone: E164;
  readonly timeZone: string;
  readonly customFields: Record<string, unknown>;
  readonly state: string;
  readonly priority: number;
  readonly nextAttemptAt: Date | null;
  readonly attemptsTotal: number;
  readonly lastOutcome: string | null;
  readonly assignedAgentId: AgentId | null;
}

const LEAD_COLUMNS = `id, list_id AS "listId", campaign_id AS "campaignId", customer_id AS "customerId", phone,
  time_zone AS "timeZone", custom_fields AS "customFields", state, priority, next_attempt_at AS "nextAttemptAt",
  attempts_total AS "attemptsTotal", last_outcome AS "lastOutcome", assigned_agent_id AS "assignedAgentId"`;

export async function getLead(db: Queryable, id: LeadId): Promise<Lead> {
  const { rows } = await db.query<Lead>(`SELECT ${LEAD_COLUMNS} FROM leads WHERE id = $1::uuid`, [id]);
  if (!rows[0]) throw new NotFoundError('lead', id);
  return rows[0];
}

export interface LeadSearch {
  readonly campaignId?: CampaignId | undefined;
  readonly listId?: string | undefined;
  readonly phone?: string | undefined;
  readonly state?: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

export async function searchLeads(db: Queryable, search: LeadSearch): Promise<Lead[]> {
  const { rows } = await db.query<Lead>(
    `SELECT ${LEAD_COLUMNS} FROM leads
      WHERE ($1::uuid IS NULL OR campaign_id = $1::uuid) AND ($2::uuid IS NULL OR list_id = $2::uuid)
        AND ($3::text IS NULL OR customer_id = (SELECT id FROM customers WHERE phone = $3)) AND ($4::text IS NULL OR state = $4)
      ORDER BY created_at, id LIMIT $5 OFFSET $6`,
    [search.campaignId ?? null, search.listId ?? null, search.phone ?? null, search.state ?? null, search.limit, search.offset],
  );
  return rows;
}

/** Assigns leads to a named agent (preview and callback work), or recalls them to the pool with null. */
export async function assignLeads(db: Db, leadIds: readonly LeadId[], agentId: AgentId | null): Promise<number> {
  // leads has no foreign keys (see the migration), so the agent is checked here.
  if (agentId !== null && (await db.query('SELECT 1 FROM agents WHERE id = $1', [agentId])).rows.length === 0) {
    throw new NotFoundError('agent', agentId);
  }
  const result = await db.query('UPDATE leads SET assigned_agent_id = $2 WHERE id = ANY ($1::uuid[])', [leadIds, agentId]);
  return result.rowCount;
}

/**
 * Takes a claimed lead out of the campaign for good (its fields cannot be
 * spoken, say): exhausted, with the reason in the audit log, so that the
 * hopper does not hand it out again at every claim.
 */
export async function setLeadAside(db: Db, leadId: LeadId, engineId: string, reason: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ customer_id: string }>(
      `UPDATE leads SET state = 'exhausted', claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2 AND state = 'claimed'
        RETURNING customer_id`,
      [leadId, engineId],
    );
    if (!rows[0]) return;
    await tx.query('UPDATE customers SET held_by_lead = NULL, held_until = NULL WHERE id = $1 AND held_by_lead = $2', [rows[0].customer_id, leadId]);
    await audit(tx, { actor: `engine:${engineId}`, action: 'set-aside', entity: 'lead', entityId: leadId, details: { reason } });
  });
}

/**
 * Leads a campaign still has to dial by `deadline`: the unfinished ones
 * whose next attempt falls due by then (a broadcast's "finish by" spreads
 * its calls over them).
 */
export async function countLeadsToDial(db: Queryable, campaignId: CampaignId, deadline: EpochMs): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM leads
      WHERE campaign_id = $1 AND state IN ('ready', 'claimed') AND (next_attempt_at IS NULL OR next_attempt_at <= $2)`,
    [campaignId, new Date(deadline)],
  );
  return rows[0]!.n;
}
