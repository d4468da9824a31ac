/**
 * What the agent's screen shows of the customer beside the lead's fields
 * (a screen pop, a preview): the fields under the campaign's labels and
 * order, the customer's local time and calling window, the earlier attempts
 * to this customer (every campaign's: one person, one history) with their
 * dispositions and notes, and the dispositions an agent may choose.
 */
import { effectiveRules } from '../campaigns/compliance.js';
import type { Campaign } from '../campaigns/campaign.js';
import { leadFieldDefinitions, shownFields, type ShownField } from '../campaigns/lead-fields.js';
import { windowAt, type WindowAt } from '../campaigns/local-window.js';
import type { LeadId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { Queryable } from '../storage/db.js';

/** How many earlier attempts the screen shows, latest first. */
const HISTORY_SHOWN = 20;

export interface DeskCard {
  readonly fields: readonly ShownField[];
  readonly customer: { readonly timeZones: readonly string[] } & WindowAt;
  readonly history: readonly {
    readonly at: string;
    readonly campaign: string;
    readonly outcome: string | null;
    readonly disposition: string | null;
    readonly dispositionLabel: string | null;
    readonly note: string | null;
    readonly agentId: string | null;
  }[];
  readonly dispositions: readonly { readonly code: string; readonly label: string; readonly callback: boolean }[];
}

/** The zones a lead is called in: its own, and those of the rest of its area. */
export async function leadZones(db: Queryable, leadId: LeadId): Promise<string[]> {
  const { rows } = await db.query<{ time_zone: string; other_time_zones: string[] | null }>('SELECT time_zone, other_time_zones FROM leads WHERE id = $1::uuid', [leadId]);
  const row = rows[0];
  return row ? [row.time_zone, ...(row.other_time_zones ?? [])] : [];
}

export async function deskCard(db: Queryable, campaign: Campaign, leadId: LeadId, fields: Record<string, unknown>, now: EpochMs, exceptAttempt?: string): Promise<DeskCard> {
  const [definitions, timeZones, history, dispositions] = await Promise.all([
    leadFieldDefinitions(db, campaign.id),
    leadZones(db, leadId),
    db.query<DeskCard['history'][number]>(
      `SELECT to_char(a.originated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at, c.name AS campaign, a.outcome, a.disposition,
              d.label AS "dispositionLabel", a.disposition_note AS note, a.agent_id AS "agentId"
         FROM attempts a JOIN campaigns c ON c.id = a.campaign_id LEFT JOIN dispositions d ON d.code = a.disposition
        WHERE a.customer_id = (SELECT customer_id FROM leads WHERE id = $1::uuid) AND a.id IS DISTINCT FROM $2::uuid AND a.ended_at IS NOT NULL
        ORDER BY a.originated_at DESC LIMIT ${HISTORY_SHOWN}`,
      [leadId, exceptAttempt ?? null],
    ),
    db.query<{ code: string; label: string; callback: boolean }>(`SELECT code, label, effect = 'callback' AS callback FROM dispositions WHERE NOT system ORDER BY label`),
  ]);
  const window = windowAt(effectiveRules(campaign.complianceProfile, campaign.rules).callingWindow, timeZones, now);
  return { fields: shownFields(definitions, fields), customer: { timeZones, ...window }, history: history.rows, dispositions: dispositions.rows };
}
