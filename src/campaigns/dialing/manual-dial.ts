/**
 * A number an agent dials by hand, within the campaign's rules: normalised to
 * E.164 (a national number is read as one of the campaign's country), found
 * among the campaign's leads or added to its "manual" list, checked against
 * the hopper's own rules (the same SQL the claim runs), then claimed for this
 * engine, so that the attempt is written before the dial like any other.
 */
import type { AgentId, E164, LeadId } from '../../domain/ids.js';
import type { DurationMs, EpochMs } from '../../domain/time.js';
import type { Db, Queryable } from '../../storage/db.js';
import type { Campaign } from '../campaign.js';
import type { ComplianceProfile } from '../compliance.js';
import { hold } from '../hopper/claim.js';
import { HOLD_BACK_RULES, HOLD_BACK_RULE_NAMES, HOPPER_FROM, NEXT_PARAM, hopperParams, type HoldBackRule } from '../hopper/rules.js';
import { normalisePhone, numberTimeZones } from '../import/normalise.js';
import type { Lead } from '../lead-source.js';
import { createList, insertLeads } from '../leads.js';

/** The list of a campaign that numbers dialed by hand are added to. */
export const MANUAL_LIST = 'manual';

/** The country a national number is read in, per compliance profile. */
export const PROFILE_COUNTRY: Record<ComplianceProfile, string> = { us: 'US', uk: 'GB', ca: 'CA', cn: 'CN' };

/**
 * The hopper's rules a hand dial answers to: the law's and the customer's
 * (calling window, do-not-call, contact caps, ...). The campaign's own pacing
 * of its list (retry delays, attempt counts, callbacks, assignments) does not
 * stop an agent who chose to call.
 */
const MANUAL_DIAL_RULES: readonly HoldBackRule[] = [
  'in-flight',
  'number-in-flight-elsewhere',
  'outside-calling-window',
  'do-not-call',
  'grey-or-red-list',
  'contact-pressure',
  'abandon-lockout',
  'no-consent',
];

export interface ManualDialRequest {
  readonly campaign: Campaign;
  readonly phone: string;
  readonly agentId: AgentId;
  readonly engineId: string;
  readonly leaseMs: DurationMs;
  readonly now: EpochMs;
}

/** The lead claimed for the dial, or the rule that refused it. */
export type ManualDialVerdict = { readonly lead: Lead } | { readonly refused: string; readonly rule: HoldBackRule | 'number' | 'time-zone' };

export async function claimManualDial(db: Db, request: ManualDialRequest): Promise<ManualDialVerdict> {
  const { campaign } = request;
  const parsed = normalisePhone(request.phone.trim(), PROFILE_COUNTRY[campaign.complianceProfile]);
  if ('rejected' in parsed) return { refused: parsed.rejected, rule: 'number' };
  const { phone, country } = parsed;
  if (parsed.parsed.getType() === 'PREMIUM_RATE') return { refused: `${phone} is a premium-rate number`, rule: 'number' };
  return db.transaction(async (tx) => {
    let leadId = await findLead(tx, campaign, phone);
    if (!leadId) {
      // As an import reads it: the country's zone, or every zone of the number's area.
      const [timeZone, ...otherTimeZones] = numberTimeZones(parsed) ?? [];
      if (!timeZone) {
        const where = country ? `${country} has several time zones and the number's area does not tell` : 'its country is unknown';
        return { refused: `the time zone of ${phone} cannot be told from the number (${where}): import it with its time zone first`, rule: 'time-zone' };
      }
      await insertLeads(tx, await createList(tx, campaign.id, MANUAL_LIST, "agents' hand dials"), [{ phone, timeZone, otherTimeZones }]);
      leadId = (await findLead(tx, campaign, phone))!;
    }
    // Every rule is computed (the query's parameters are the hopper's, each used by some rule); the hand dial's are checked.
    const flags = HOLD_BACK_RULE_NAMES.map((rule) => `coalesce((${HOLD_BACK_RULES[rule]}), false) AS "${rule}"`);
    const { rows } = await tx.query<{ id: LeadId; customer_id: string; state: string } & Record<string, unknown>>(
      `SELECT l.id, l.customer_id, l.state, ${flags.join(', ')} ${HOPPER_FROM} AND l.id = $${NEXT_PARAM}::uuid FOR UPDATE OF l, c`,
      [...hopperParams(campaign, request.now, request.agentId), leadId],
    );
    const row = rows[0]!;
    const broken = row.state === 'do-not-call' ? 'do-not-call' : MANUAL_DIAL_RULES.find((rule) => row[rule] === true);
    if (broken) return { refused: `${phone} may not be dialed now: ${broken}`, rule: broken };
    await hold(tx, [row], request.engineId, request.now + request.leaseMs);
    return { lead: { id: row.id, number: phone } };
  });
}

/** The campaign's lead with this number, the one still open first. */
async function findLead(tx: Queryable, campaign: Campaign, phone: E164): Promise<LeadId | undefined> {
  const { rows } = await tx.query<{ id: LeadId }>(
    `SELECT l.id FROM customers c JOIN leads l ON l.customer_id = c.id
      WHERE c.phone = $1 AND l.campaign_id = $2 ORDER BY l.state = 'ready' DESC, l.created_at LIMIT 1`,
    [phone, campaign.id],
  );
  return rows[0]?.id;
}
