/**
 * Claiming the next leads of a campaign. Several engines may claim at once:
 * rows are locked with FOR UPDATE SKIP LOCKED, so two claimers never take the
 * same lead, and each claim is a lease: an engine that crashes before dialing
 * loses its leads back to the pool when the lease lapses. The customer's row
 * is held with the lead, so one number is never dialed twice at once, even
 * from two campaigns.
 */
import type { AgentId, CampaignId, E164, LeadId } from '../../domain/ids.js';
import type { DurationMs, EpochMs } from '../../domain/time.js';
import { audit } from '../../storage/audit.js';
import type { Db, Queryable } from '../../storage/db.js';
import type { Campaign } from '../campaign.js';
import { ELIGIBLE, HOPPER_FROM, NEXT_PARAM, hopperParams } from './rules.js';

export interface ClaimRequest {
  readonly campaign: Campaign;
  /** The engine process claiming; only it may dial what it claimed. */
  readonly engineId: string;
  readonly count: number;
  /** How long the claim holds if the engine neither dials nor renews. */
  readonly leaseMs: DurationMs;
  readonly now: EpochMs;
  /** Claim for this agent: their callbacks and assigned leads become claimable. */
  readonly forAgent?: AgentId | null;
  /** Due callbacks only, not the rest of the hopper (a claim for an agent's promised callbacks). */
  readonly callbacksOnly?: boolean;
}

export interface ClaimedLead {
  readonly leadId: LeadId;
  readonly campaignId: CampaignId;
  readonly phone: E164;
  readonly timeZone: string;
  readonly customFields: Record<string, unknown>;
  readonly priority: number;
  readonly attemptsSoFar: number;
  /** A callback is due: the customer asked to be called now. */
  readonly callbackDue: boolean;
  /** Red-listed customer: connect only to agents marked for red-list customers. */
  readonly redList: boolean;
  readonly claimedUntil: EpochMs;
}

interface CandidateRow {
  id: string;
  customer_id: string;
  phone: string;
  time_zone: string;
  custom_fields: Record<string, unknown>;
  priority: number;
  attempts_total: number;
  callback_due: boolean;
  red: boolean;
}

const candidates = (onlyLeads: boolean) => `
  SELECT l.id, l.customer_id, l.phone, l.time_zone, l.custom_fields, l.priority, l.attempts_total,
         cb.due AS callback_due, lists.red
  ${HOPPER_FROM}
    AND l.state = 'ready'
    AND ${ELIGIBLE}
    ${onlyLeads ? `AND cb.due AND l.id = ANY ($${NEXT_PARAM + 1}::uuid[])` : ''}
  ORDER BY l.priority DESC, l.next_attempt_at ASC NULLS FIRST
  LIMIT $${NEXT_PARAM}
  FOR UPDATE OF l, c SKIP LOCKED`;

const DUE_CALLBACKS = candidates(true);
const BY_PRIORITY = candidates(false);

/** Claims up to `count` leads: due callbacks first, then by priority and next-attempt time. */
export async function claimLeads(db: Db, request: ClaimRequest): Promise<ClaimedLead[]> {
  if (request.count <= 0) return [];
  const claimedUntil = request.now + request.leaseMs;
  const params = hopperParams(request.campaign, request.now, request.forAgent ?? null);
  return db.transaction(async (tx) => {
    await returnLapsedClaims(tx, request.campaign.id, request.now);
    const claimed: ClaimedLead[] = [];
    const take = async (sql: string, extra: unknown[]) => {
      const wanted = request.count - claimed.length;
      if (wanted <= 0) return;
      const { rows } = await tx.query<CandidateRow>(sql, [...params, wanted, ...extra]);
      const chosen = onePerCustomer(rows);
      await hold(tx, chosen, request.engineId, claimedUntil);
      claimed.push(...chosen.map((row) => toClaimedLead(row, request.campaign.id, claimedUntil)));
    };
    // Due callbacks first, found through their own index: few, and never worth a walk of the whole hopper.
    const callbackLeads = await dueCallbackLeads(tx, request.campaign.id, request.now);
    if (callbackLeads.length > 0) await take(DUE_CALLBACKS, [callbackLeads]);
    // Then the hopper index in order, stopping at the limit. The rules are a
    // dozen conditions whose combined selectivity the planner underestimates;
    // it would sort every ready lead of the campaign on each claim (0.2 s at
    // 10,000 leads) instead of walking the index. Not before the callbacks:
    // there a sort of a few rows is right.
    if (request.callbacksOnly) return claimed;
    await tx.exec('SET LOCAL enable_sort = off');
    await take(BY_PRIORITY, []);
    return claimed;
  });
}

async function dueCallbackLeads(tx: Queryable, campaignId: CampaignId, now: EpochMs): Promise<string[]> {
  const { rows } = await tx.query<{ lead_id: string }>(
    `SELECT DISTINCT lead_id FROM callbacks WHERE campaign_id = $1 AND state = 'scheduled' AND due_at <= $2 LIMIT 1000`,
    [campaignId, new Date(now)],
  );
  return rows.map((r) => r.lead_id);
}

/**
 * Of these agents, those a callback of the campaign is due for now: their
 * own, or, for any of them, one promised to a customer inside the abandon
 * lockout (a broadcast's key 1 when no agent was free), which only a call
 * with an agent waiting for it may make (the hopper's abandon-lockout rule).
 */
export async function agentsWithDueCallbacks(
  db: Queryable,
  campaignId: CampaignId,
  agentIds: readonly AgentId[],
  now: EpochMs,
  abandonLockoutHours = 0,
): Promise<AgentId[]> {
  if (agentIds.length === 0) return [];
  const { rows } = await db.query<{ agent_id: AgentId }>(
    `SELECT a.agent_id FROM unnest($3::text[]) AS a (agent_id)
      WHERE EXISTS (
        SELECT 1 FROM callbacks cb JOIN leads l ON l.id = cb.lead_id JOIN customers c ON c.id = l.customer_id
         WHERE cb.campaign_id = $1 AND cb.state = 'scheduled' AND cb.due_at <= $2
           AND (cb.agent_id = a.agent_id
                OR (cb.agent_id IS NULL AND $4::float8 > 0 AND c.last_abandoned_at > $2 - $4::float8 * interval '1 hour')))`,
    [campaignId, new Date(now), agentIds, abandonLockoutHours],
  );
  return rows.map((r) => r.agent_id);
}

/** Leads whose claim lapsed (their engine crashed or hung) go back to the pool. */
async function returnLapsedClaims(tx: Queryable, campaignId: CampaignId, now: EpochMs): Promise<void> {
  await tx.query(
    `UPDATE leads SET state = 'ready', claimed_by = NULL, claimed_until = NULL
      WHERE id IN (SELECT id FROM leads WHERE campaign_id = $1 AND state = 'claimed' AND claimed_until <= $2
                   FOR UPDATE SKIP LOCKED)`,
    [campaignId, new Date(now)],
  );
}

/** Two leads of one campaign may share a number (two lists); only one of them is dialed at a time. */
function onePerCustomer(rows: CandidateRow[]): CandidateRow[] {
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.customer_id) && seen.add(row.customer_id));
}

/** Claims the leads and holds their customers' numbers until `until`. */
export async function hold(tx: Queryable, rows: readonly Pick<CandidateRow, 'id' | 'customer_id'>[], engineId: string, until: EpochMs): Promise<void> {
  if (rows.length === 0) return;
  const leadIds = rows.map((r) => r.id);
  await tx.query(
    `UPDATE leads SET state = 'claimed', claimed_by = $2, claimed_until = $3 WHERE id = ANY ($1::uuid[])`,
    [leadIds, engineId, new Date(until)],
  );
  await tx.query(
    `UPDATE customers c SET held_by_lead = x.lead_id, held_until = $3
       FROM unnest($1::uuid[], $2::uuid[]) AS x(customer_id, lead_id) WHERE c.id = x.customer_id`,
    [rows.map((r) => r.customer_id), leadIds, new Date(until)],
  );
}

function toClaimedLead(row: CandidateRow, campaignId: CampaignId, claimedUntil: EpochMs): ClaimedLead {
  return {
    leadId: row.id as LeadId,
    campaignId,
    phone: row.phone as E164,
    timeZone: row.time_zone,
    customFields: row.custom_fields,
    priority: row.priority,
    attemptsSoFar: row.attempts_total,
    callbackDue: row.callback_due,
    redList: row.red,
    claimedUntil,
  };
}

/** A claimed lead and its customer, whose row holds the number; customers are updated by their primary key. */
interface HeldLead {
  id: string;
  customer_id: string;
}

/** Extends the lease of every lead the engine holds and has not dialed yet, or of those named. */
export async function renewClaims(db: Db, engineId: string, leaseMs: DurationMs, now: EpochMs, leadIds?: readonly LeadId[]): Promise<number> {
  const until = new Date(now + leaseMs);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<HeldLead>(
      `UPDATE leads SET claimed_until = $3
        WHERE claimed_by = $1 AND state = 'claimed' AND claimed_until > $2 AND ($4::uuid[] IS NULL OR id = ANY ($4::uuid[]))
        RETURNING id, customer_id`,
      [engineId, new Date(now), until, leadIds ?? null],
    );
    await tx.query(
      `UPDATE customers SET held_until = $3
        WHERE id = ANY ($1::uuid[]) AND held_by_lead = ANY ($2::uuid[]) AND held_until IS NOT NULL`,
      [rows.map((r) => r.customer_id), rows.map((r) => r.id), until],
    );
    return rows.length;
  });
}

/** Gives undialed leads back to the pool at once (the engine paused or is shutting down). */
export async function releaseClaims(db: Db, engineId: string, leadIds?: readonly LeadId[]): Promise<number> {
  return releaseWhere(db, `claimed_by = $1 AND ($2::uuid[] IS NULL OR id = ANY ($2::uuid[]))`, [engineId, leadIds ?? null]);
}

/**
 * Gives back every lead of the campaign still claimed, by whichever engine:
 * for the engine that has just taken the campaign over, before it claims any
 * (the engine that held them was lost, and they would otherwise wait out
 * their claims).
 */
export async function releaseCampaignClaims(db: Db, campaignId: CampaignId): Promise<number> {
  return releaseWhere(db, 'campaign_id = $1', [campaignId]);
}

async function releaseWhere(db: Db, where: string, params: unknown[]): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<HeldLead>(
      `UPDATE leads SET state = 'ready', claimed_by = NULL, claimed_until = NULL WHERE state = 'claimed' AND ${where} RETURNING id, customer_id`,
      params,
    );
    await tx.query(`UPDATE customers SET held_by_lead = NULL, held_until = NULL WHERE id = ANY ($1::uuid[]) AND held_by_lead = ANY ($2::uuid[])`, [
      rows.map((r) => r.customer_id),
      rows.map((r) => r.id),
    ]);
    return rows.length;
  });
}

/**
 * A preview lead the agent skipped goes back to the pool behind the leads
 * never tried (the hopper takes the oldest next-attempt time first), and the
 * skip is kept in the audit log.
 */
export async function skipLead(db: Db, engineId: string, leadId: LeadId, agentId: AgentId, now: EpochMs): Promise<void> {
  await releaseClaims(db, engineId, [leadId]);
  await db.query(`UPDATE leads SET next_attempt_at = $2 WHERE id = $1 AND state = 'ready'`, [leadId, new Date(now)]);
  await audit(db, { actor: `agent:${agentId}`, action: 'skip', entity: 'lead', entityId: leadId });
}
