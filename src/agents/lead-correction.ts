/**
 * The customer's data as the agent corrects it during the call: custom
 * fields, and the phone number, normalised to E.164 as the import does (a
 * national number is read in the country of the number it replaces). Every
 * change is audited with who made it, before and after.
 */
import { z } from 'zod';
import { isTimeZone, normalisePhone, numberTimeZones, storedTimeZones, type NormalisedPhone } from '../campaigns/import/normalise.js';
import type { AttemptId, LeadId } from '../domain/ids.js';
import { audit } from '../storage/audit.js';
import type { Db } from '../storage/db.js';
import { ConflictError, NotFoundError } from '../storage/errors.js';

export const leadCorrectionSchema = z.object({
  fields: z.record(z.string().min(1).max(100), z.string().max(10_000)).optional(),
  phone: z.string().min(3).max(40).optional(),
  /** Where the corrected address puts the customer: the lead is then called only while the window is open there and in its number's area. */
  timeZone: z.string().max(64).refine(isTimeZone, { error: 'is not an IANA time zone such as America/Denver' }).optional(),
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
  other_time_zones: string[] | null;
  custom_fields: Record<string, unknown>;
}

/** Corrects the lead of the attempt; returns it as it now stands. */
export async function correctLead(db: Db, attemptId: AttemptId, correction: LeadCorrection, actor: string): Promise<CorrectedLead> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<LeadRow>(
      `SELECT l.id, l.list_id, l.phone, l.time_zone, l.other_time_zones, l.custom_fields FROM attempts a JOIN leads l ON l.id = a.lead_id
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
    const stored = normalisePhone(lead.phone, undefined);
    let number = 'rejected' in stored ? undefined : stored;
    const storedZones = [lead.time_zone, ...(lead.other_time_zones ?? [])];
    let zones: readonly string[] = storedZones;
    if (correction.phone !== undefined) {
      const country = number?.country;
      const corrected = normalisePhone(correction.phone, country);
      if ('rejected' in corrected) {
        throw new ConflictError(`"${correction.phone}" is not a valid phone number${country ? ` (national numbers are read as ${country})` : ''}`);
      }
      if (corrected.phone !== lead.phone) {
        const taken = await tx.query('SELECT 1 FROM leads WHERE list_id = $1 AND phone = $2 AND id <> $3', [lead.list_id, corrected.phone, lead.id]);
        if (taken.rows.length > 0) throw new ConflictError(`the list already has a lead with ${corrected.phone}: correct that lead instead`);
        zones = zonesOfNewNumber(corrected, country, storedZones);
        before.phone = lead.phone;
        after.phone = corrected.phone;
        number = corrected;
      }
    }
    // A corrected address adds where the customer lives to where the number may ring.
    if (correction.timeZone !== undefined) zones = [correction.timeZone, ...((number && numberTimeZones(number)) ?? [])];
    const { timeZone, otherTimeZones } = storedTimeZones(zones);
    const newZones = [timeZone, ...(otherTimeZones ?? [])];
    if (newZones.join() !== storedZones.join()) {
      before.timeZones = storedZones;
      after.timeZones = newZones;
    }
    const phone = number?.phone ?? lead.phone;
    const fields = { ...lead.custom_fields, ...correction.fields };
    if (Object.keys(after).length === 0) return { id: lead.id, phone, fields };
    // The customer is the number's: a new number is another customer's history.
    await tx.query('INSERT INTO customers (phone) VALUES ($1) ON CONFLICT (phone) DO NOTHING', [phone]);
    await tx.query(
      `UPDATE leads SET phone = $2, time_zone = $3, other_time_zones = $4::text[], custom_fields = $5::jsonb,
              customer_id = (SELECT id FROM customers WHERE phone = $2)
        WHERE id = $1`,
      [lead.id, phone, timeZone, otherTimeZones ?? null, JSON.stringify(fields)],
    );
    await audit(tx, { actor, action: 'correct', entity: 'lead', entityId: lead.id, details: { attemptId, before, after } });
    return { id: lead.id, phone, fields };
  });
}

/**
 * The zones of a corrected number: every zone of its country or area, as the
 * import gives; when the number tells none, the lead's zones stand if the
 * country is unchanged, and a supervisor must set them if not.
 */
function zonesOfNewNumber(corrected: NormalisedPhone, oldCountry: string | undefined, storedZones: readonly string[]): readonly string[] {
  const zones = numberTimeZones(corrected);
  if (zones) return zones;
  if (corrected.country === oldCountry) return storedZones;
  throw new ConflictError(`the time zone of ${corrected.phone} cannot be told from the number: a supervisor must correct this lead`);
}
