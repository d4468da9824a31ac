/**
 * The red, black and grey lists, managed centrally and read live by the
 * hopper: an entry takes effect at the next claim. Black: never dial. Grey:
 * agent campaigns only, under the stricter grey contact cap. Red: important
 * customers, dialed only by campaigns that allow them.
 */
import { z } from 'zod';
import type { CampaignId, E164 } from '../domain/ids.js';
import { audit } from '../storage/audit.js';
import type { Queryable } from '../storage/db.js';

export const LIST_COLORS = ['black', 'grey', 'red'] as const;
export type ListColor = (typeof LIST_COLORS)[number];

export const numberListEntrySchema = z
  .object({
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +442071234567'),
    color: z.enum(LIST_COLORS).default('black'),
    /** Absent: the entry applies to every campaign. */
    campaignId: z.uuid().nullable().optional(),
    category: z.string().min(1).max(100),
    reason: z.string().max(1000).nullable().optional(),
    /** Where the entry came from: api, import, disposition, a regulator's registry. */
    source: z.string().min(1).max(100).default('api'),
  })
  .strict();
export type NumberListEntryFields = z.output<typeof numberListEntrySchema>;

export interface NumberListEntry {
  readonly phone: E164;
  readonly color: ListColor;
  readonly campaignId: CampaignId | null;
  readonly category: string;
  readonly reason: string | null;
  readonly source: string;
  readonly createdBy: string | null;
  readonly createdAt: Date;
}

const COLUMNS = `phone, color, campaign_id AS "campaignId", category, reason, source, created_by AS "createdBy", created_at AS "createdAt"`;

/** Adds entries (or updates their category and reason), one or many. */
export async function addNumberListEntries(db: Queryable, entries: readonly NumberListEntryFields[], actor: string): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO number_lists (phone, color, campaign_id, category, reason, source, created_by)
     SELECT x.phone, x.color, x.campaign_id, x.category, x.reason, x.source, $7
       FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[])
            AS x(phone, color, campaign_id, category, reason, source)
     ON CONFLICT (phone, color, campaign_id) DO UPDATE
       SET category = EXCLUDED.category, reason = EXCLUDED.reason, source = EXCLUDED.source`,
    [
      entries.map((e) => e.phone),
      entries.map((e) => e.color),
      entries.map((e) => e.campaignId ?? null),
      entries.map((e) => e.category),
      entries.map((e) => e.reason ?? null),
      entries.map((e) => e.source),
      actor,
    ],
  );
  await audit(db, {
    actor,
    action: 'add',
    entity: 'number-list',
    details: { count: entries.length, phones: entries.slice(0, 20).map((e) => e.phone) },
  });
}

export async function removeNumberListEntry(
  db: Queryable,
  key: { phone: string; color: ListColor; campaignId?: string | null },
  actor: string,
): Promise<boolean> {
  const result = await db.query(
    `DELETE FROM number_lists WHERE phone = $1 AND color = $2 AND campaign_id IS NOT DISTINCT FROM $3::uuid`,
    [key.phone, key.color, key.campaignId ?? null],
  );
  if (result.rowCount > 0) await audit(db, { actor, action: 'remove', entity: 'number-list', entityId: key.phone, details: key });
  return result.rowCount > 0;
}

/** The entries that apply to a number, globally or for the given campaign. */
export async function checkNumber(db: Queryable, phone: string, campaignId?: string | null): Promise<NumberListEntry[]> {
  const { rows } = await db.query<NumberListEntry>(
    `SELECT ${COLUMNS} FROM number_lists
      WHERE phone = $1 AND (campaign_id IS NULL OR $2::uuid IS NULL OR campaign_id = $2::uuid) ORDER BY created_at`,
    [phone, campaignId ?? null],
  );
  return rows;
}
