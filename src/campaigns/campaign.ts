/**
 * A campaign as campaign managers define it: agent calls or a broadcast, its
 * pacing, caller ID, trunk, compliance profile and rule overrides, recording
 * policy and messages. Validated here, at the edge, whatever the caller.
 */
import { z } from 'zod';
import type { CampaignId, TrunkId } from '../domain/ids.js';
import { NO_AGENTS_FOR_MACHINES, broadcastMessageTextSchema } from '../ivr/message.js';
import { pacingSettingsSchema, type PacingSettings } from '../pacing/settings.js';
import { type MediaUri, RECORDING_POLICIES, type RecordingPolicy } from '../telephony/port.js';
import { lawOverridesSchema, type LawOverride } from './feasibility.js';
import { COMPLIANCE_PROFILES, PROFILES, dialingRuleOverridesSchema, type ComplianceProfile, type DialingRuleOverrides } from './compliance.js';

export const CAMPAIGN_TYPES = ['agent', 'broadcast'] as const;
export const CAMPAIGN_STATES = ['draft', 'running', 'paused', 'stopped'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/**
 * The pacing settings with every field optional and no defaults: what a
 * manager writes. Defaults come from the compliance profile first, then from
 * pacingSettingsSchema, so a UK campaign gets the UK window without saying so.
 */
export const pacingOverridesSchema = z
  .object(
    Object.fromEntries(
      Object.entries(pacingSettingsSchema.shape).map(([key, field]) => [
        key,
        (field instanceof z.ZodDefault ? field.unwrap() : field).optional(),
      ]),
    ),
  )
  .strict() as unknown as z.ZodType<Partial<PacingSettings>>;

/**
 * A prompt Asterisk plays, named as its Playback() names it: a path under its
 * sounds folder without the extension (outpace/abandon), optionally written as
 * ARI media (sound:outpace/abandon). Letters, digits, - and _ only between the
 * slashes, so no name reaches outside the sounds folder.
 */
const soundName = z
  .string()
  .max(200)
  .regex(/^(sound:)?[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'a sound name such as outpace/abandon (letters, digits, - and _ between slashes; no extension, no ..)');

/** ARI playback media for a campaign's sound name. */
export function soundMedia(name: string): MediaUri {
  return name.startsWith('sound:') ? name : `sound:${name}`;
}

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +442071234567');

const campaignFields = {
  name: z.string().trim().min(1).max(200),
  type: z.enum(CAMPAIGN_TYPES),
  complianceProfile: z.enum(COMPLIANCE_PROFILES),
  pacing: pacingOverridesSchema.optional(),
  /** A stable number customers recognise; the documents warn of impersonators. */
  callerId: e164,
  trunkId: z.string().min(1).nullable().optional(),
  rules: dialingRuleOverridesSchema.optional(),
  recording: z.enum(RECORDING_POLICIES).optional(),
  /**
   * Played to a live answer no agent takes in time: name, number and how to opt out. The name of a
   * sound on the PBX (ARI's sound: media), such as outpace/abandon: never a path, which ARI would be sent.
   */
  abandonMessage: soundName.nullable().optional(),
  /** Left on an answering machine after its beep, when pacing.machinePolicy is leave-message. */
  machineMessage: soundName.nullable().optional(),
  /** A broadcast's message and key menu, as JSON: src/ivr/message.ts. */
  broadcastMessage: broadcastMessageTextSchema.nullable().optional(),
  /** Rules of law the campaign dials beyond on purpose, on its operator's responsibility: it is then flagged. */
  complianceOverrides: lawOverridesSchema.optional(),
};

export const FINISH_BY_IS_FOR_BROADCASTS = 'finishBy spreads a broadcast list over the time left; agent campaigns are paced by their agents: remove it';

export const campaignInputSchema = z
  .object(campaignFields)
  .strict()
  .refine((c) => c.type !== 'broadcast' || c.pacing?.machinePolicy !== 'to-agent', { message: NO_AGENTS_FOR_MACHINES, path: ['pacing', 'machinePolicy'] })
  .refine((c) => c.type === 'broadcast' || c.pacing?.finishBy == null, { message: FINISH_BY_IS_FOR_BROADCASTS, path: ['pacing', 'finishBy'] });
export type CampaignInput = z.infer<typeof campaignInputSchema>;

export const campaignChangesSchema = z
  .object({ ...campaignFields, type: campaignFields.type.optional() })
  .partial()
  .strict();
export type CampaignChanges = z.infer<typeof campaignChangesSchema>;

export interface Campaign {
  readonly id: CampaignId;
  readonly name: string;
  readonly type: (typeof CAMPAIGN_TYPES)[number];
  readonly state: CampaignState;
  readonly complianceProfile: ComplianceProfile;
  readonly pacing: PacingSettings;
  readonly callerId: string;
  readonly trunkId: TrunkId | null;
  readonly rules: DialingRuleOverrides;
  readonly recording: RecordingPolicy;
  readonly abandonMessage: string | null;
  readonly machineMessage: string | null;
  readonly broadcastMessage: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Set when the campaign was deleted while it had attempts: kept, stopped and read-only, as the record of its calls. */
  readonly archivedAt: Date | null;
  readonly complianceOverrides: readonly LawOverride[];
}

/** Full pacing settings: the profile's defaults, then the stored or given values on top. */
export function resolvePacing(profile: ComplianceProfile, ...layers: (Partial<PacingSettings> | undefined)[]): PacingSettings {
  return pacingSettingsSchema.parse(Object.assign({}, PROFILES[profile].pacing, ...layers.filter(Boolean)));
}

/** Which state changes a campaign allows: start from anything but running, pause only while running. */
export const CAMPAIGN_TRANSITIONS: Record<'start' | 'pause' | 'stop', { from: readonly CampaignState[]; to: CampaignState }> = {
  start: { from: ['draft', 'paused', 'stopped'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  stop: { from: ['running', 'paused'], to: 'stopped' },
};
