/**
 * The customer's data as the agent corrects it during the call: custom
 * fields, and the phone number, normalised to E.164 as the import does (a
 * national number is read in the country of the number it replaces). Every
 * change is audited with who made it, before and after.
 */
import { z } from 'zod';
import { countryTimeZone, normalisePhone } from '../campaigns/import/normalise.js';
import type { AttemptId, LeadId } from '../domain/ids.js';
import { audit } from '../storage/audit.js';
import type { Db } from '../storage/db.js';
import { ConflictError, NotFoundError } from '../storage/errors.js';

export const leadCorrectionSchema = z.object({
  fields: z.record(z.string().min(1).max(100), z.string().max(10_000)).optional(),
  phone: z.string().min(3).max(40).optional(),
});
export type LeadCorrection = z.output<typeof leadCorrectionSchema>;

export interface CorrectedLead {
  readonly id: LeadId;
  readonly phone: string;
  readonly fields: Record<string, unknown>;
}

interface LeadRow {
  id: LeadId;
  list_id: string;
  phone: string;
  time_zone: string;
  custom_fields: Record<string, unknown>;
}

/** Corrects the lead of the attempt; returns it as it now stands. */
export async function correctLead(db: Db, attemptId: AttemptId, correction: LeadCorrection, actor: string): Promise<CorrectedLead> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<LeadRow>(
      `SELECT l.id, l.list_id, l.phone, l.time_zone, l.custom_fields FROM attempts a JOIN leads l ON l.id = a.lead_id
        WHERE a.id = $1::uuid FOR UPDATE OF l`,
      [attemptId],
    );
    const lead = rows[0];
    if (!lead) throw new NotFoundError('attempt', attemptId);
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(correction.fields ?? {})) {
      if (lead.custom_fields[name] === value) continue;
      before[name] = lead.custom_fields[name] ?? null;
      after[name] = value;
    }
    let { phone, time_zone: timeZone } = lead;
    if (correction.phone !== undefined) {
      const stored = normalisePhone(lead.phone, undefined);
      const country = 'rejected' in stored ? undefined : stored.country;
      const corrected = normalisePhone(correction.phone, country);
      if ('rejected' in corrected) {
        throw new ConflictError(`"${correction.phone}" is not a valid phone number${country ? ` (national numbers are read as ${country})` : ''}`);
      }
      if (corrected.phone !== lead.phone) {
        if (corrected.country !== country) timeZone = zoneOf(corrected.country, corrected.phone);
        const taken = await tx.query('SELECT 1 FROM leads WHERE list_id = $1 AND phone = $2 AND id <> $3', [lead.list_id, corrected.phone, lead.id]);
        if (taken.rows.length > 0) throw new ConflictError(`the list already has a lead with ${corrected.phone}: correct that lead instead`);
        Object.assign(before, { phone: lead.phone, timeZone: lead.time_zone });
        Object.assign(after, { phone: corrected.phone, timeZone });
        phone = corrected.phone;
      }
    }
    const fields = { ...lead.custom_fields, ...correction.fields };
    if (Object.keys(after).length === 0) return { id: lead.id, phone, fields };
    // The customer is the number's: a new number is another customer's history.
    await tx.query('INSERT INTO customers (phone) VALUES ($1) ON CONFLICT (phone) DO NOTHING', [phone]);
    await tx.query(
      `UPDATE leads SET phone = $2, time_zone = $3, custom_fields = $4::jsonb, customer_id = (SELECT id FROM customers WHERE phone = $2)
        WHERE id = $1`,
      [lead.id, phone, timeZone, JSON.stringify(fields)],
    );
    await audit(tx, { actor, action: 'correct', entity: 'lead', entityId: lead.id, details: { attemptId, before, after } });
    return { id: lead.id, phone, fields };
  });
}

function zoneOf(country: string | undefined, phone: string): string {
  const zone = country && countryTimeZone(country);
  if (!zone) throw new ConflictError(`the time zone of ${phone} cannot be told from the number: a supervisor must correct this lead`);
  return zone;
}
