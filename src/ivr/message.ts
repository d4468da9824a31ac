/**
 * A broadcast campaign's message as a campaign manager writes it: recorded
 * prompts and values from the lead's fields, in order, with the key menu's
 * settings. Stored as JSON in the campaign's `broadcastMessage` and validated
 * here, whoever wrote it.
 */
import { z } from 'zod';
import type { PacingSettings } from '../pacing/settings.js';

/** Prompt-set languages outpace ships prompts for; Asterisk's codes, since `lang` on a playback picks its number voice. */
export const BROADCAST_LANGUAGES = ['en', 'zh'] as const;
export type BroadcastLanguage = (typeof BROADCAST_LANGUAGES)[number];

/** A prompt file's name inside a prompt set: `bill-intro` is sounds/<set>/<language>/bill-intro.wav. */
const promptName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a prompt name such as bill-intro (lower case, digits and dashes)');
const fieldName = z.string().min(1).max(100);

/** How a lead's field is spoken: each maps onto ARI playback media (number:, digits:) and the set's own prompts. */
export const SPOKEN_VALUE_KINDS = ['number', 'digits', 'money', 'date'] as const;
export type SpokenValueKind = (typeof SPOKEN_VALUE_KINDS)[number];

export const messagePartSchema = z.union([
  z.object({ prompt: promptName }).strict(),
  z.object({ say: z.enum(SPOKEN_VALUE_KINDS), field: fieldName }).strict(),
]);
export type MessagePart = z.infer<typeof messagePartSchema>;

export const keyMenuSchema = z
  .object({
    /** Silence after the message before it counts as no answer to the menu. */
    keyTimeoutSec: z.number().min(1).max(30).default(5),
    /** Times the message may be played in all (the first play included), by key 2 or after silence. */
    maxPlays: z.number().int().min(1).max(5).default(3),
    /** The agent campaign that takes key 1; without one, 1 is an unknown key. */
    agentCampaignId: z.string().min(1).nullable().default(null),
    /** How long a caller who pressed 1 may wait for a free agent (the linked campaign's connect deadline). */
    agentWaitSec: z.number().min(0.5).max(60).default(2),
    /** Played when no agent is free in time; a callback is scheduled. */
    busyPrompt: promptName.default('busy-callback'),
    /** Played after 9, once the number is on the do-not-call list. */
    optOutPrompt: promptName.default('opt-out'),
    /** Played when the menu gives up (repeats used up). */
    goodbyePrompt: promptName.default('goodbye'),
  })
  .strict();
export type KeyMenu = z.infer<typeof keyMenuSchema>;

/** What a broadcast does with a lead after an attempt, beyond the dial outcomes' usual retry delays. */
export const broadcastRetrySchema = z
  .object({
    /** A message heard only in part (hang-up mid-message) is played again this much later. */
    partlyHeardRetryMinutes: z.number().int().min(1).max(10_080).default(120),
    /** Attempts in all, after which a lead that never heard the message is exhausted. */
    maxAttempts: z.number().int().min(1).max(20).default(3),
    /**
     * Whether a message heard only in part counts toward the customer's
     * contact caps across campaigns (US default: one contact a day). It does
     * by default: the customer answered, and the caps protect the person, not
     * the message. Turn it off so that the retry comes after
     * `partlyHeardRetryMinutes` rather than after the cap's day.
     */
    partlyHeardIsContact: z.boolean().default(true),
  })
  .strict();
export type BroadcastRetry = z.infer<typeof broadcastRetrySchema>;

export const broadcastMessageSchema = z
  .object({
    /** The folder of prompts under sounds/: sounds/<promptSet>/<language>/<prompt>.wav. */
    promptSet: promptName,
    language: z.enum(BROADCAST_LANGUAGES).default('en'),
    /** A lead field holding the lead's language (en, zh); a lead without it hears the campaign's language. */
    languageField: fieldName.optional(),
    parts: z.array(messagePartSchema).min(1, 'a message needs at least one part'),
    menu: keyMenuSchema.default(keyMenuSchema.parse({})),
    retry: broadcastRetrySchema.default(broadcastRetrySchema.parse({})),
  })
  .strict();
export type BroadcastMessage = z.infer<typeof broadcastMessageSchema>;

export class BroadcastMessageError extends Error {}

/**
 * What a broadcast does when machine detection (the campaign's
 * pacing.machineDetection) says a machine answered: its pacing.machinePolicy,
 * where `to-agent` has no meaning (a broadcast has no agents of its own).
 */
export type BroadcastMachinePolicy = 'leave-message' | 'hangup';

export const NO_AGENTS_FOR_MACHINES = 'a broadcast campaign has no agents to hand machines to: set pacing.machinePolicy to leave-message or hangup';

export function broadcastMachinePolicy(pacing: Pick<PacingSettings, 'machinePolicy'>): BroadcastMachinePolicy {
  if (pacing.machinePolicy === 'to-agent') throw new BroadcastMessageError(NO_AGENTS_FOR_MACHINES);
  return pacing.machinePolicy;
}

/** Reads the campaign's stored message (JSON text), with each problem named by its path. */
export function parseBroadcastMessage(text: string): BroadcastMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BroadcastMessageError(`broadcastMessage is not JSON: ${(err as Error).message}`);
  }
  const parsed = broadcastMessageSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${['broadcastMessage', ...i.path].join('.')}: ${i.message}`);
    throw new BroadcastMessageError(`the broadcast message is not valid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * The campaign field holding the message as JSON text, checked where the
 * campaign is written (API, CLI), so that a broken message is refused then
 * rather than found when the campaign starts.
 */
export const broadcastMessageTextSchema = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      parseBroadcastMessage(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/** The lead's language when its field names one outpace has prompts for, else the campaign's. */
export function languageFor(message: BroadcastMessage, leadFields: Readonly<Record<string, unknown>>): BroadcastLanguage {
  const wanted = message.languageField ? leadFields[message.languageField] : undefined;
  const code = typeof wanted === 'string' ? normaliseLanguage(wanted) : undefined;
  return code ?? message.language;
}

/** Lists carry language as people write it: zh-CN, cmn, ZH, EN-gb. */
function normaliseLanguage(value: string): BroadcastLanguage | undefined {
  const base = value.trim().toLowerCase().split(/[-_]/)[0];
  if (base === 'cmn') return 'zh';
  return BROADCAST_LANGUAGES.find((l) => l === base);
}
