/**
 * How a campaign's agents see the lead's custom fields: each under its label,
 * in the campaign's order, editable by the agent or not. A field the campaign
 * does not define comes after, under its column's name, and stays editable
 * (as before definitions existed).
 */
import { z } from 'zod';
import type { CampaignId } from '../domain/ids.js';
import type { Db, Queryable } from '../storage/db.js';

export const leadFieldsSchema = z
  .array(
    z
      .object({
        name: z.string().min(1).max(100),
        label: z.string().trim().min(1).max(200),
        editable: z.boolean().default(false),
      })
      .strict(),
  )
  .max(200)
  .refine((fields) => new Set(fields.map((f) => f.name)).size === fields.length, 'each field is defined once');
export type LeadFieldDefinition = z.output<typeof leadFieldsSchema>[number];

/** A field as the agent's screen shows it. */
export interface ShownField {
  readonly name: string;
  readonly label: string;
  readonly value: unknown;
  readonly editable: boolean;
}

export async function leadFieldDefinitions(db: Queryable, campaignId: CampaignId): Promise<LeadFieldDefinition[]> {
  const { rows } = await db.query<LeadFieldDefinition>(
    'SELECT name, label, editable FROM campaign_lead_fields WHERE campaign_id = $1::uuid ORDER BY position',
    [campaignId],
  );
  return rows;
}

/** Replaces the campaign's definitions, in the order given. */
export async function setLeadFieldDefinitions(db: Db, campaignId: CampaignId, fields: readonly LeadFieldDefinition[]): Promise<LeadFieldDefinition[]> {
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM campaign_lead_fields WHERE campaign_id = $1::uuid', [campaignId]);
    for (const [position, f] of fields.entries()) {
      await tx.query('INSERT INTO campaign_lead_fields (campaign_id, name, label, position, editable) VALUES ($1::uuid, $2, $3, $4, $5)', [
        campaignId,
        f.name,
        f.label,
        position,
        f.editable,
      ]);
    }
  });
  return leadFieldDefinitions(db, campaignId);
}

/** The lead's fields in the campaign's order and labels, then the undefined ones. */
export function shownFields(definitions: readonly LeadFieldDefinition[], values: Record<string, unknown>): ShownField[] {
  const defined = new Set(definitions.map((d) => d.name));
  return [
    ...definitions.map((d) => ({ name: d.name, label: d.label, value: values[d.name] ?? null, editable: d.editable })),
    ...Object.keys(values)
      .filter((name) => !defined.has(name))
      .map((name) => ({ name, label: name, value: values[name], editable: true })),
  ];
}

/** Fields of the correction the campaign does not let agents edit. */
export function uneditable(definitions: readonly LeadFieldDefinition[], names: readonly string[]): string[] {
  const locked = new Set(definitions.filter((d) => !d.editable).map((d) => d.name));
  return names.filter((name) => locked.has(name));
}
