/**
 * A campaign's pacing settings, in the shape users know from the cloud suites
 * (Genesys, Amazon Connect, NICE): a dial mode, an abandon-rate target over an
 * evaluation window, a connect deadline and a cap on lines per agent.
 */
import { z } from 'zod';

export const DIAL_MODES = ['preview', 'progressive', 'power', 'predictive'] as const;
export type DialMode = (typeof DIAL_MODES)[number];

/** What to do when machine detection says an answering machine picked up. */
export const MACHINE_POLICIES = ['hangup', 'leave-message', 'to-agent'] as const;
export type MachinePolicy = (typeof MACHINE_POLICIES)[number];

/**
 * Hard ceilings no setting can lift: the core clamps to them whatever a
 * campaign says. 15 lines per agent is the highest any mainstream suite allows.
 */
export const HARD_LIMITS = {
  maxLinesPerAgent: 15,
  maxAbandonTarget: 0.05,
} as const;

export const pacingSettingsSchema = z
  .object({
    mode: z.enum(DIAL_MODES).default('predictive'),
    /** Power mode: calls launched per ready agent. */
    powerLinesPerAgent: z.number().min(1).max(HARD_LIMITS.maxLinesPerAgent).default(2),
    /** Abandoned live answers / live answers over the window. Regulators cap it at 0.03 (CA: 0.05). */
    abandonTarget: z.number().min(0).max(HARD_LIMITS.maxAbandonTarget).default(0.03),
    /** The regulatory evaluation window: 24 (UK Ofcom, rolling) or 720 (US, 30 days per campaign). */
    abandonWindowHours: z.number().int().min(1).max(720).default(24),
    /** A live answer no agent takes within this many seconds is abandoned. */
    connectDeadlineSec: z.number().min(0.5).max(10).default(2),
    /**
     * Whether the deadline counts from the answer or from the end of the greeting, when machine detection
     * has decided (the FCC's "two seconds after the called person completes his or her greeting"). Without
     * machine detection the greeting's end is not known and the deadline counts from the answer. Every
     * profile counts from the greeting's end; docs/compliance.md gives each rule's wording and source.
     */
    connectDeadlineFrom: z.enum(['answer', 'greeting-end']).default('greeting-end'),
    /** Upper bound on calls in flight per agent who is logged in and not paused. */
    maxLinesPerAgent: z.number().min(1).max(HARD_LIMITS.maxLinesPerAgent).default(4),
    /** How long the customer's phone rings before the call counts as no answer. */
    ringTimeoutSec: z.number().int().min(15).max(120).default(25),
    machineDetection: z.boolean().default(false),
    machinePolicy: z.enum(MACHINE_POLICIES).default('hangup'),
    /**
     * UK Ofcom: live answers that machine detection wrongly hangs up on count as
     * abandoned. The core adds `estimated false-positive rate × machine hang-ups`.
     */
    countDetectionFalsePositivesAsAbandoned: z.boolean().default(false),
    /** The estimated share of machine verdicts that were really people (measured by the operator's own sampling). */
    detectionFalsePositiveRate: z.number().min(0).max(1).default(0.05),
    /** Calls in flight the campaign may hold at once, whatever the agents. */
    maxConcurrentLines: z.number().int().min(1).max(100_000).default(1000),
    /**
     * Broadcasts: "finish this list by 18:00", as a date and time with its offset (2026-11-24T18:00:00+08:00).
     * The calls are spread to end then; when the lines and calls per second cannot make it, outpace says so at once.
     * null clears it.
     */
    finishBy: z.iso.datetime({ offset: true, message: 'a date and time with its offset, such as 2026-11-24T18:00:00+08:00' }).nullable().optional(),
    /**
     * How long an agent may stay in wrap-up before outpace ends it with the
     * system disposition `wrap-up-timeout`; 0: no limit.
     */
    wrapUpTimeoutSec: z.number().int().min(0).max(3600).default(60),
    /** Preview mode: how long a lead offered to an agent waits for dial or skip before it is taken back; 0: no limit. */
    previewTimeoutSec: z.number().int().min(0).max(3600).default(120),
  })
  .strict();

export type PacingSettings = z.infer<typeof pacingSettingsSchema>;

export const trunkSettingsSchema = z
  .object({
    id: z.string().min(1),
    /** Simultaneous calls the carrier allows on this trunk. */
    maxLines: z.number().int().min(1).max(100_000),
    /** Call attempts per second the carrier accepts on this trunk. */
    maxCallsPerSecond: z.number().min(0.1).max(10_000),
  })
  .strict();

export type TrunkSettings = z.infer<typeof trunkSettingsSchema>;

export function parsePacingSettings(input: unknown): PacingSettings {
  return pacingSettingsSchema.parse(input ?? {});
}
