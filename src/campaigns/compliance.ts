/**
 * Compliance profiles: one word (us, uk, ca, cn) that sets the dialing rules
 * and pacing defaults a jurisdiction asks for. Every rule stays overridable per
 * campaign. The rule texts and their sources are in docs/compliance.md.
 */
import { z } from 'zod';
import type { PacingSettings } from '../pacing/settings.js';
import { callingWindowOverrideSchema, callingWindowSchema, everyDay, overrideWindow, type CallingWindow } from './calling-window.js';

export const COMPLIANCE_PROFILES = ['us', 'uk', 'ca', 'cn'] as const;
export type ComplianceProfile = (typeof COMPLIANCE_PROFILES)[number];

/** Outcomes that send a lead back to the pool, and after how many minutes by default. */
export const RETRYABLE_OUTCOMES = ['busy', 'no-answer', 'machine', 'congestion', 'rejected', 'failed', 'abandoned'] as const;
export type RetryableOutcome = (typeof RETRYABLE_OUTCOMES)[number];

const minutes = z.number().int().min(0).max(60 * 24 * 90);

export const retryPolicySchema = z
  .object(Object.fromEntries(RETRYABLE_OUTCOMES.map((o) => [o, minutes])) as Record<RetryableOutcome, typeof minutes>)
  .strict();
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

export const contactCapSchema = z
  .object({
    /** Contacts (live answers) with one customer over every campaign, per rolling day and week. */
    perDay: z.number().int().min(0).max(100),
    perWeek: z.number().int().min(0).max(500),
  })
  .strict();

export const dialingRulesSchema = z
  .object({
    callingWindow: callingWindowSchema,
    retryMinutes: retryPolicySchema,
    /** The "seven contacts" practice makes seven a common total. */
    maxAttemptsTotal: z.number().int().min(1).max(100),
    maxAttemptsPerDay: z.number().int().min(1).max(100),
    contactCap: contactCapSchema,
    /** Grey-listed customers: stricter cap, and agent campaigns only. */
    greyContactCap: contactCapSchema,
    /** UK: no new call to a number within this many hours of an abandoned call to it; 0 turns the rule off. */
    abandonLockoutHours: z.number().min(0).max(24 * 30),
    /** China: call only customers with recorded consent. */
    requireConsent: z.boolean(),
    /** China: a refusal goes on the black list for good rather than being retried. */
    refusalIsDoNotCall: z.boolean(),
    /** Whether this campaign may dial red-listed (important) customers. */
    allowRedList: z.boolean(),
  })
  .strict();
export type DialingRules = z.infer<typeof dialingRulesSchema>;

/** What a campaign may override: any rule, single outcomes of the retry policy, single days of the calling window. */
export const dialingRuleOverridesSchema = dialingRulesSchema
  .extend({ retryMinutes: retryPolicySchema.partial(), callingWindow: callingWindowOverrideSchema })
  .partial();
export type DialingRuleOverrides = z.infer<typeof dialingRuleOverridesSchema>;

const COMMON_RULES: DialingRules = {
  callingWindow: everyDay('08:00', '21:00'),
  retryMinutes: { busy: 10, 'no-answer': 120, machine: 240, congestion: 10, rejected: 120, failed: 30, abandoned: 60 },
  maxAttemptsTotal: 7,
  maxAttemptsPerDay: 3,
  contactCap: { perDay: 1, perWeek: 2 },
  greyContactCap: { perDay: 1, perWeek: 1 },
  abandonLockoutHours: 0,
  requireConsent: false,
  refusalIsDoNotCall: false,
  allowRedList: false,
};

const CANADA_WINDOW: CallingWindow = {
  days: {
    sun: { start: '10:00', end: '18:00' },
    mon: { start: '09:00', end: '21:30' },
    tue: { start: '09:00', end: '21:30' },
    wed: { start: '09:00', end: '21:30' },
    thu: { start: '09:00', end: '21:30' },
    fri: { start: '09:00', end: '21:30' },
    sat: { start: '10:00', end: '18:00' },
  },
  holidays: [],
};

/** What the jurisdiction's law itself fixes, as opposed to outpace's defaults: a campaign goes beyond it only explicitly. */
export interface ProfileLaw {
  /** The highest abandon rate the law allows, when it sets one. */
  readonly abandonCap?: number;
  /** The hours the law allows calls in, when it sets them. */
  readonly callingWindow?: CallingWindow;
  /** Where the figures come from (docs/compliance.md has more). */
  readonly source: string;
}

export interface ProfileDefaults {
  readonly law: ProfileLaw;
  /** ISO codes of the countries whose law the profile follows: imports refuse numbers of others unless told to accept them. */
  readonly countries: readonly string[];
  readonly rules: DialingRules;
  /** Pacing settings the profile sets; the campaign's own values win. */
  readonly pacing: Partial<PacingSettings>;
}

export const PROFILES: Record<ComplianceProfile, ProfileDefaults> = {
  us: {
    // The US and its territories share the TCPA and the North American numbering plan.
    countries: ['US', 'PR', 'VI', 'GU', 'AS', 'MP'],
    law: { abandonCap: 0.03, callingWindow: COMMON_RULES.callingWindow, source: '47 CFR § 64.1200(a)(7) and (c)(1)' },
    rules: COMMON_RULES,
    pacing: { abandonTarget: 0.03, abandonWindowHours: 720, connectDeadlineSec: 2, connectDeadlineFrom: 'greeting-end', ringTimeoutSec: 25 },
  },
  uk: {
    // The Crown Dependencies share UK numbers (+44) and Ofcom's rules are applied there too.
    countries: ['GB', 'GG', 'JE', 'IM'],
    law: { abandonCap: 0.03, source: "Ofcom's statement of policy on persistent misuse (sets no calling hours)" },
    rules: { ...COMMON_RULES, abandonLockoutHours: 72 },
    pacing: {
      abandonTarget: 0.03,
      abandonWindowHours: 24,
      connectDeadlineSec: 2,
      connectDeadlineFrom: 'greeting-end',
      ringTimeoutSec: 25,
      countDetectionFalsePositivesAsAbandoned: true,
    },
  },
  ca: {
    countries: ['CA'],
    law: { abandonCap: 0.05, callingWindow: CANADA_WINDOW, source: 'CRTC Unsolicited Telecommunications Rules, Part II' },
    rules: { ...COMMON_RULES, callingWindow: CANADA_WINDOW },
    pacing: { abandonTarget: 0.05, abandonWindowHours: 720, connectDeadlineSec: 2, connectDeadlineFrom: 'greeting-end', ringTimeoutSec: 25 },
  },
  cn: {
    countries: ['CN'],
    law: { source: 'MIIT rules on voice calls set no abandon cap or calling hours' },
    rules: { ...COMMON_RULES, requireConsent: true, refusalIsDoNotCall: true },
    pacing: { abandonTarget: 0.03, abandonWindowHours: 24, connectDeadlineSec: 2, connectDeadlineFrom: 'greeting-end', ringTimeoutSec: 25 },
  },
};

/** The rules a campaign dials under: its profile's, with its own overrides on top. */
export function effectiveRules(profile: ComplianceProfile, overrides: DialingRuleOverrides): DialingRules {
  const base = PROFILES[profile].rules;
  const { retryMinutes, callingWindow, ...rest } = overrides;
  return {
    ...base,
    ...definedOnly(rest),
    retryMinutes: { ...base.retryMinutes, ...definedOnly(retryMinutes ?? {}) },
    callingWindow: overrideWindow(base.callingWindow, callingWindow),
  };
}

/** A campaign's overrides after a change: the change's rules on top, single days and retry outcomes merged rather than replaced. */
export function mergeRuleOverrides(current: DialingRuleOverrides, change: DialingRuleOverrides | undefined): DialingRuleOverrides {
  if (!change) return current;
  const merged: DialingRuleOverrides = { ...current, ...change };
  if (current.retryMinutes && change.retryMinutes) merged.retryMinutes = { ...current.retryMinutes, ...change.retryMinutes };
  if (current.callingWindow && change.callingWindow) {
    merged.callingWindow = {
      days: { ...current.callingWindow.days, ...change.callingWindow.days },
      holidays: change.callingWindow.holidays ?? current.callingWindow.holidays,
    };
  }
  return merged;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
