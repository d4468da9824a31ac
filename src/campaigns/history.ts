/** A lead's attempts, and its customer's whole contact history across every campaign and list. */
import type { LeadId } from '../domain/ids.js';
import type { Queryable } from '../storage/db.js';

export interface AttemptRecord {
  readonly id: string;
  readonly leadId: string;
  readonly campaignId: string;
  readonly campaignName: string;
  readonly originatedAt: Date;
  readonly answeredAt: Date | null;
  readonly connectedAt: Date | null;
  readonly endedAt: Date | null;
  readonly outcome: string | null;
  readonly abandoned: boolean;
  readonly hangupCause: { code: number | null; text: string | null; techCause: number | null };
  readonly agentId: string | null;
  readonly recordings: string[];
  readonly disposition: string | null;
}

const ATTEMPT = `a.id, a.lead_id AS "leadId", a.campaign_id AS "campaignId", c.name AS "campaignName",
  a.originated_at AS "originatedAt", a.answered_at AS "answeredAt", a.connected_at AS "connectedAt", a.ended_at AS "endedAt",
  a.outcome, a.abandoned, json_build_object('code', a.hangup_cause_code, 'text', a.hangup_cause_text, 'techCause', a.tech_cause) AS "hangupCause",
  a.agent_id AS "agentId", a.recordings, a.disposition
  FROM attempts a JOIN campaigns c ON c.id = a.campaign_id`;

export async function leadAttempts(db: Queryable, leadId: LeadId): Promise<AttemptRecord[]> {
  const { rows } = await db.query<AttemptRecord>(`SELECT ${ATTEMPT} WHERE a.lead_id = $1::uuid ORDER BY a.originated_at`, [leadId]);
  return rows;
}

/** Every call the company made to this customer, newest first: what a supervisor needs to see. */
export async function customerHistory(db: Queryable, customerId: string, limit = 200): Promise<AttemptRecord[]> {
  const { rows } = await db.query<AttemptRecord>(
    `SELECT ${ATTEMPT} WHERE a.customer_id = $1::uuid ORDER BY a.originated_at DESC LIMIT $2`,
    [customerId, limit],
  );
  return rows;
}
