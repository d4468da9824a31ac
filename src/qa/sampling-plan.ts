/**
 * A campaign's QA sampling plan, as a QA lead writes it. Defaults are the
 * operators' documents' rules: QA staff check 5% of valid recordings a week,
 * and every agent has at least 3 calls monitored a week, more when new.
 */
import { z } from 'zod';

/**
 * The dispositions of a loop's own call that bring a result (a call
 * dispositioned otherwise brings none: its result is recorded by hand).
 */
const codes = (defaults: string[]) => z.array(z.string().min(1)).max(50).default(defaults);

/** A share of the period's connected calls, or of its valid sales. */
function shareRule(name: string) {
  return z
    .object({
      share: z.number().gt(0, `${name}.share must be above 0`).max(1, `${name}.share is a share: at most 1`),
      of: z.enum(['connected', 'valid-sale'], { error: `${name}.of must be connected or valid-sale` }),
    })
    .strict();
}

export const samplingPlanSchema = z
  .object({
    /** The share of the day's calls the center checks each day (the documents' "fixed share of valid recordings"); null: none. */
    daily: shareRule('daily').nullable().default(null),
    /** The share of the week's calls QA staff check. */
    weekly: shareRule('weekly').nullable().default({ share: 0.05, of: 'connected' }),
    /** Calls monitored per agent per week, at least. */
    minPerAgentPerWeek: z.number().int().min(0).max(100).default(3),
    /** Agents whose first call is within `days` are sampled more: at least `minPerWeek`. */
    newAgents: z
      .object({ days: z.number().int().min(1).max(365), minPerWeek: z.number().int().min(0).max(100) })
      .strict()
      .default({ days: 30, minPerWeek: 6 }),
    /** Dispositions every call of which is sampled (every sale, say). */
    alwaysSample: z.array(z.string().min(1)).max(50).default([]),
    /**
     * A sale that fails a critical criterion is called back to correct: by
     * the same agent or any other, `afterHours` after the review; its
     * disposition corrected (to invalid-sale) through the supervisors' correction.
     */
    corrective: z
      .object({
        agent: z.enum(['same', 'any'], { error: 'corrective.agent must be same or any' }).default('any'),
        afterHours: z.number().min(0).max(720).default(2),
        correctDisposition: z.boolean().default(true),
        saleDispositions: z.array(z.string().min(1)).min(1).default(['valid-sale']),
        /** The corrective call's dispositions that close or repeat it. */
        results: z
          .object({
            corrected: codes(['valid-sale']),
            'not-reached': codes(['no-answer', 'powered-off', 'wrong-party', 'suspended']),
            refused: codes(['refused', 'invalid-sale', 'do-not-call', 'hostile']),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /**
     * Trial products: a sale whose lead has this custom field set gets two
     * confirmation calls before charging, the first `firstAfterDays` after
     * the sale, the second `secondAfterDays` after the first; an unreachable
     * or suspended customer extends the trial `extendDays` and is tried again,
     * up to `maxExtensions` times.
     */
    trial: z
      .object({
        field: z.string().min(1).default('trialProduct'),
        firstAfterDays: z.number().min(0).max(90).default(1),
        secondAfterDays: z.number().min(0).max(90).default(3),
        extendDays: z.number().min(1).max(90).default(7),
        maxExtensions: z.number().int().min(0).max(10).default(2),
        /** The confirmation call's dispositions that move the loop on (the trial-* ones are migration 0164's). */
        results: z
          .object({
            confirmed: codes(['trial-confirmed']),
            unreachable: codes(['no-answer', 'powered-off', 'wrong-party']),
            suspended: codes(['suspended']),
            'wants-to-think': codes(['trial-wants-to-think']),
            cancelled: codes(['trial-cancelled', 'refused', 'do-not-call', 'hostile']),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** The time zone whose days and hours the sample is spread over. */
    timeZone: z
      .string()
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'timeZone must be an IANA time zone, such as America/New_York')
      .default('UTC'),
  })
  .strict()
  .superRefine((plan, ctx) => {
    if (plan.newAgents.minPerWeek < plan.minPerAgentPerWeek) {
      ctx.addIssue({ code: 'custom', path: ['newAgents', 'minPerWeek'], message: `new agents are sampled more, not less: at least minPerAgentPerWeek (${plan.minPerAgentPerWeek})` });
    }
  });

export type SamplingPlan = z.infer<typeof samplingPlanSchema>;

export const DEFAULT_SAMPLING_PLAN: SamplingPlan = samplingPlanSchema.parse({});
