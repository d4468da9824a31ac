/** One attempt, a lead's attempts, and its customer's whole contact history across every campaign and list. */
import type { AttemptId, LeadId } from '../domain/ids.js';
import type { Queryable } from '../storage/db.js';
import { NotFoundError } from '../storage/errors.js';

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
  /** The script version the agent was shown, and the answers given on the call, by question id. */
  readonly script: { id: string; version: number } | null;
  readonly answers: Record<string, unknown>;
}

const ATTEMPT = `a.id, a.lead_id AS "leadId", a.campaign_id AS "campaignId", c.name AS "campaignName",
  a.originated_at AS "originatedAt", a.answered_at AS "answeredAt", a.connected_at AS "connectedAt", a.ended_at AS "endedAt",
  a.outcome, a.abandoned, json_build_object('code', a.hangup_cause_code, 'text', a.hangup_cause_text, 'techCause', a.tech_cause) AS "hangupCause",
  a.agent_id AS "agentId", a.recordings, a.disposition,
  CASE WHEN a.script_id IS NULL THEN NULL ELSE json_build_object('id', a.script_id, 'version', a.script_version) END AS script,
  (SELECT coalesce(jsonb_object_agg(q.question_id, q.answer), '{}') FROM attempt_answers q WHERE q.attempt_id = a.id) AS answers
  FROM attempts a JOIN campaigns c ON c.id = a.campaign_id`;

export async function attemptRecord(db: Queryable, attemptId: AttemptId): Promise<AttemptRecord> {
  const { rows } = await db.query<AttemptRecord>(`SELECT ${ATTEMPT} WHERE a.id = $1::uuid`, [attemptId]);
  if (!rows[0]) throw new NotFoundError('attempt', attemptId);
  return rows[0];
}

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
