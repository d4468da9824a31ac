/**
 * A broadcast caller who pressed 1, in the linked agent campaign's storage.
 * The agent campaign gets a lead for the customer (in its list "broadcast
 * key 1", created on first use) and an attempt row for the handover: a live
 * answer, connected to the agent who took it, or abandoned when none came in
 * time. Its statistics and abandon rate (src/campaigns/stats.ts) read that
 * row like any other; an abandoned caller's callback is scheduled on that
 * lead, so that the agent campaign, whose agents the caller asked for, calls
 * back. The row is not a second contact with the customer: the broadcast
 * attempt of the same call already counts toward the contact caps.
 */
import { scheduleCallback } from '../campaigns/callbacks.js';
import { getCampaign } from '../campaigns/campaign-store.js';
import { createList, insertLeads } from '../campaigns/leads.js';
import type { AgentId, AttemptId, CampaignId, E164, LeadId } from '../domain/ids.js';
import type { HangupCause } from '../domain/outcomes.js';
import type { EpochMs } from '../domain/time.js';
import type { Db, Queryable } from '../storage/db.js';
import { ConflictError, NotFoundError } from '../storage/errors.js';

/** The agent campaign's list of broadcast callers. */
export const HANDOVER_LIST = 'broadcast key 1';

export interface Handover {
  readonly agentCampaignId: CampaignId;
  /** The broadcast attempt of the call (its row exists: it was written before the originate). */
  readonly broadcastAttemptId: AttemptId;
  readonly engineId: string;
  /** When the caller was put through, or told no agent was free. */
  readonly at: EpochMs;
  /** The agent who took the caller. */
  readonly agentId?: AgentId | undefined;
  /** When the caller pressed 1 and asked for an agent: the agent campaign's live answer (default `at`). */
  readonly askedAt?: EpochMs | undefined;
  /** A caller put through: when the call ended, and how (default `at`, no cause). */
  readonly endedAt?: EpochMs | undefined;
  readonly cause?: HangupCause | undefined;
  /** No agent in time: when the agent campaign calls back. */
  readonly callbackDueAt?: EpochMs | undefined;
}

interface BroadcastCall {
  lead_id: LeadId;
  customer_id: string;
  phone: E164;
  time_zone: string;
  /** Every zone of the number counts for the agent campaign's calling window too. */
  other_time_zones: string[] | null;
  custom_fields: Record<string, unknown>;
}

/** Writes the handover in one transaction; returns the agent campaign's lead. */
export async function recordHandover(db: Db, h: Handover): Promise<LeadId> {
  return db.transaction(async (tx) => {
    const agentCampaign = await getCampaign(tx, h.agentCampaignId);
    if (agentCampaign.type !== 'agent') {
      throw new ConflictError(`campaign ${h.agentCampaignId} is a ${agentCampaign.type} campaign: key 1 must name an agent campaign (menu.agentCampaignId)`);
    }
    const { rows } = await tx.query<BroadcastCall>(
      `SELECT a.lead_id, a.customer_id, a.phone, l.time_zone, l.other_time_zones, l.custom_fields FROM attempts a JOIN leads l ON l.id = a.lead_id WHERE a.id = $1::uuid`,
      [h.broadcastAttemptId],
    );
    const call = rows[0];
    if (!call) throw new NotFoundError('broadcast attempt', h.broadcastAttemptId);
    const abandoned = h.agentId === undefined;
    const leadId = await agentCampaignLead(tx, h.agentCampaignId, call, abandoned);
    const at = new Date(h.at);
    // From the key (the caller's live answer, as this campaign sees it) to the end of the conversation with the agent.
    await tx.query(
      `INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, answered_at, connected_at, ended_at,
                             outcome, abandoned, agent_id, counts_as_contact, handover_of, hangup_cause_code, hangup_cause_text, tech_cause)
       VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, 'live', $9, $10, false, $11, $12, $13, $14)`,
      [
        leadId,
        h.agentCampaignId,
        call.customer_id,
        call.phone,
        h.engineId,
        new Date(h.askedAt ?? h.at),
        abandoned ? null : at,
        new Date(h.endedAt ?? h.at),
        abandoned,
        h.agentId ?? null,
        h.broadcastAttemptId,
        h.cause?.code ?? null,
        h.cause?.text ?? null,
        h.cause?.techCause ?? null,
      ],
    );
    if (abandoned) {
      await scheduleCallback(tx, { leadId, dueAt: h.callbackDueAt ?? h.at, note: 'pressed 1 in a broadcast; no agent was free' }, 'ivr');
      // The UK's lockout after an abandoned call reads this, whichever campaign abandoned it.
      await tx.query('UPDATE customers SET last_abandoned_at = $2 WHERE id = $1', [call.customer_id, at]);
    }
    return leadId;
  });
}

/**
 * The customer's lead in the agent campaign's handover list, added on first
 * use. A lead added for a caller an agent already took is done: the agent
 * campaign must not dial it of its own accord.
 */
async function agentCampaignLead(tx: Queryable, agentCampaignId: CampaignId, call: BroadcastCall, abandoned: boolean): Promise<LeadId> {
  const listId = await createList(tx, agentCampaignId, HANDOVER_LIST, 'broadcast');
  const added = await insertLeads(tx, listId, [
    { phone: call.phone, timeZone: call.time_zone, otherTimeZones: call.other_time_zones ?? [], customFields: call.custom_fields, sourceRow: 0 },
  ]);
  const { rows } = await tx.query<{ id: LeadId }>('SELECT id FROM leads WHERE list_id = $1 AND phone = $2', [listId, call.phone]);
  const leadId = rows[0]!.id;
  if (added.size > 0 && !abandoned) await tx.query(`UPDATE leads SET state = 'done' WHERE id = $1`, [leadId]);
  return leadId;
}
