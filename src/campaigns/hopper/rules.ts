/**
 * The hopper's rules, each written once as the SQL condition under which it
 * holds a lead back. The claim query dials only leads that no rule holds back;
 * "why is nothing dialing?" counts, for each rule, the leads it holds back. So
 * the explanation cannot drift from what the claim does.
 */
import type { AgentId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import { callingWindowParams } from '../calling-window.js';
import type { Campaign } from '../campaign.js';
import { broadcastRules } from '../../ivr/broadcast-attempts.js';
import { parseBroadcastMessage } from '../../ivr/message.js';
import { effectiveRules, type DialingRules } from '../compliance.js';

/** Parameters of every hopper query, in order; each use casts, so PostgreSQL never guesses a type. */
const P = {
  campaign: '$1::uuid',
  now: '$2::timestamptz',
  windowStarts: '$3::time[]',
  windowEnds: '$4::time[]',
  holidays: '$5::date[]',
  maxAttemptsTotal: '$6::int',
  maxAttemptsPerDay: '$7::int',
  contactsPerDay: '$8::int',
  contactsPerWeek: '$9::int',
  greyContactsPerDay: '$10::int',
  greyContactsPerWeek: '$11::int',
  abandonLockoutHours: '$12::float8',
  requireConsent: '$13::boolean',
  allowRedList: '$14::boolean',
  campaignType: '$15::text',
  /** The agent the claim is for (preview, callbacks), or NULL for the campaign's pool. */
  agent: '$16::text',
} as const;

export function hopperParams(campaign: Campaign, now: EpochMs, forAgent: AgentId | null): unknown[] {
  const rules = campaignRules(campaign);
  const window = callingWindowParams(rules.callingWindow);
  return [
    campaign.id,
    new Date(now),
    window.starts,
    window.ends,
    window.holidays,
    rules.maxAttemptsTotal,
    rules.maxAttemptsPerDay,
    rules.contactCap.perDay,
    rules.contactCap.perWeek,
    rules.greyContactCap.perDay,
    rules.greyContactCap.perWeek,
    rules.abandonLockoutHours,
    rules.requireConsent,
    rules.allowRedList,
    campaign.type,
    forAgent,
  ];
}

/** The rules the hopper applies: the profile's with the campaign's overrides, and a broadcast's own cap on attempts. */
function campaignRules(campaign: Campaign): DialingRules {
  const rules = effectiveRules(campaign.complianceProfile, campaign.rules);
  if (campaign.type !== 'broadcast' || !campaign.broadcastMessage) return rules;
  return broadcastRules(rules, parseBroadcastMessage(campaign.broadcastMessage).retry);
}

/**
 * The leads of the campaign with what the rules read: the lead's local time,
 * its callbacks, its number's list entries and its customer's recent contacts
 * over every campaign. Aliases: l (lead), c (customer), t, cb, lists, contacts.
 */
export const HOPPER_FROM = `
  FROM leads l
  JOIN customers c ON c.id = l.customer_id
  CROSS JOIN LATERAL (SELECT (${P.now} AT TIME ZONE l.time_zone) AS local_now) t
  CROSS JOIN LATERAL (
    SELECT coalesce(bool_or(cb.due_at <= ${P.now} AND (cb.agent_id IS NULL OR cb.agent_id = ${P.agent})), false) AS due,
           coalesce(bool_or(cb.due_at <= ${P.now} AND cb.agent_id IS DISTINCT FROM ${P.agent} AND cb.agent_id IS NOT NULL), false) AS due_for_other,
           coalesce(bool_or(cb.due_at > ${P.now}), false) AS later
      FROM callbacks cb WHERE cb.lead_id = l.id AND cb.state = 'scheduled') cb
  CROSS JOIN LATERAL (
    SELECT coalesce(bool_or(n.color = 'black'), false) AS black,
           coalesce(bool_or(n.color = 'grey'), false) AS grey,
           coalesce(bool_or(n.color = 'red'), false) AS red
      FROM number_lists n
     WHERE n.phone = l.phone AND (n.campaign_id IS NULL OR n.campaign_id = l.campaign_id)) lists
  CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE a.originated_at > ${P.now} - interval '1 day') AS today, count(*) AS week
      FROM attempts a
     WHERE a.customer_id = c.id AND a.outcome = 'live' AND a.counts_as_contact AND a.originated_at > ${P.now} - interval '7 days') contacts
  WHERE l.campaign_id = ${P.campaign}`;

/** Whether the calling window is open at a local time (an SQL timestamp without zone). */
function windowOpen(local: string): string {
  return `${local}::time >= (${P.windowStarts})[extract(dow FROM ${local})::int + 1]
      AND ${local}::time < (${P.windowEnds})[extract(dow FROM ${local})::int + 1]
      AND ${local}::date <> ALL (${P.holidays})`;
}

export const HOLD_BACK_RULES = {
  'in-flight': `l.state = 'dialing' OR (l.state = 'claimed' AND l.claimed_until > ${P.now})`,
  // A lead whose area spans zones is held back unless the window is open in every one of them.
  'outside-calling-window': `NOT coalesce(${windowOpen('t.local_now')}, false)
      OR (l.other_time_zones IS NOT NULL AND EXISTS (
        SELECT 1 FROM unnest(l.other_time_zones) AS z(zone)
         WHERE NOT coalesce(${windowOpen(`(${P.now} AT TIME ZONE z.zone)`)}, false)))`,
  'retry-delay': `l.next_attempt_at > ${P.now} AND NOT cb.due`,
  'callback-not-due': `cb.later AND NOT cb.due`,
  'callback-for-another-agent': `cb.due_for_other AND NOT cb.due`,
  'assigned-to-another-agent': `l.assigned_agent_id IS NOT NULL AND l.assigned_agent_id IS DISTINCT FROM ${P.agent}`,
  'attempts-exhausted': `l.attempts_total >= ${P.maxAttemptsTotal}`,
  'daily-attempts-reached': `l.attempts_day = t.local_now::date AND l.attempts_today >= ${P.maxAttemptsPerDay}`,
  'do-not-call': `lists.black`,
  'grey-or-red-list': `(lists.grey AND ${P.campaignType} = 'broadcast') OR (lists.red AND NOT ${P.allowRedList})`,
  // A callback the customer asked for (a disposition's, a broadcast's key 1) is not a contact the caps guard against:
  // held back by them, "we will call you back" would wait a day after the call that promised it.
  'contact-pressure': `(contacts.today >= CASE WHEN lists.grey THEN ${P.greyContactsPerDay} ELSE ${P.contactsPerDay} END
      OR contacts.week >= CASE WHEN lists.grey THEN ${P.greyContactsPerWeek} ELSE ${P.contactsPerWeek} END)
      AND NOT cb.due`,
  'number-in-flight-elsewhere': `c.held_by_lead IS NOT NULL AND c.held_by_lead <> l.id
      AND (c.held_until IS NULL OR c.held_until > ${P.now})`,
  // Ofcom allows a call inside the lockout when a live operator is guaranteed: a due callback claimed for an agent, who is
  // reserved and waits for it (the engine's callback and hand dials), never abandoned. The pool's dials may be.
  'abandon-lockout': `${P.abandonLockoutHours} > 0
      AND c.last_abandoned_at > ${P.now} - ${P.abandonLockoutHours} * interval '1 hour'
      AND NOT (cb.due AND ${P.agent} IS NOT NULL)`,
  'no-consent': `${P.requireConsent} AND c.consent_at IS NULL`,
} as const;

export type HoldBackRule = keyof typeof HOLD_BACK_RULES;
export const HOLD_BACK_RULE_NAMES = Object.keys(HOLD_BACK_RULES) as HoldBackRule[];

/** True when no rule holds the lead back. */
export const ELIGIBLE = HOLD_BACK_RULE_NAMES.map((rule) => `NOT coalesce((${HOLD_BACK_RULES[rule]}), false)`).join('\n  AND ');

/** The number of the first parameter a query may add after the sixteen above. */
export const NEXT_PARAM = 17;
