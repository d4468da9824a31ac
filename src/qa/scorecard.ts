/**
 * Scorecards: criteria with weights, pass/fail or points, and critical
 * criteria whose failure fails the call whatever the score. The stock
 * "valid sale" card holds the documents' four checkpoints, all critical: the
 * right party, a person able to understand, the approved script with full
 * disclosure, explicit spoken consent. Scoring is pure.
 */
import { z } from 'zod';

const criterionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'a criterion id is lower-case letters, digits and -').max(60),
    label: z.string().min(1).max(200),
    /** What the inspector checks, in words. */
    guide: z.string().max(2000).optional(),
    kind: z.enum(['pass-fail', 'points'], { error: 'kind must be pass-fail or points' }),
    /** For points: the most a call can score on it. */
    maxPoints: z.number().int().min(1).max(100).optional(),
    weight: z.number().gt(0, 'weight must be above 0').max(100).default(1),
    critical: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.kind === 'points' && c.maxPoints === undefined) ctx.addIssue({ code: 'custom', path: ['maxPoints'], message: `criterion ${c.id} scores points: give maxPoints` });
    if (c.kind === 'pass-fail' && c.maxPoints !== undefined) ctx.addIssue({ code: 'custom', path: ['maxPoints'], message: `criterion ${c.id} is pass-fail: it has no maxPoints` });
    if (c.critical && c.kind !== 'pass-fail') ctx.addIssue({ code: 'custom', path: ['critical'], message: `criterion ${c.id}: a critical criterion is pass-fail (its failure fails the call)` });
  });

export const scorecardSchema = z
  .object({
    name: z.string().min(1).max(200),
    /** The weighted share a call must reach to pass, when no critical criterion failed. */
    passMark: z.number().min(0).max(1).default(0.8),
    criteria: z.array(criterionSchema).min(1, 'a scorecard has at least one criterion').max(100),
  })
  .strict()
  .superRefine((card, ctx) => {
    const seen = new Set<string>();
    card.criteria.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['criteria', i, 'id'], message: `criterion id ${c.id} is used twice` });
      seen.add(c.id);
    });
  });

export type Scorecard = z.infer<typeof scorecardSchema>;
export type Criterion = Scorecard['criteria'][number];

export const VALID_SALE_SCORECARD: Scorecard = scorecardSchema.parse({
  name: 'valid sale',
  passMark: 0.8,
  criteria: [
    { id: 'right-party', label: 'Right party', kind: 'pass-fail', critical: true, weight: 2, guide: 'The account holder, or a family member who may decide: identity checked, permission asked before selling' },
    { id: 'able-to-understand', label: 'Able to understand', kind: 'pass-fail', critical: true, weight: 2, guide: 'Not drunk, not half-asleep: a person able to understand the offer' },
    { id: 'script-disclosure', label: 'Approved script, full disclosure', kind: 'pass-fail', critical: true, weight: 2, guide: 'The approved script, with the price, the end of the trial and how to cancel' },
    { id: 'explicit-consent', label: 'Explicit spoken consent', kind: 'pass-fail', critical: true, weight: 2, guide: 'The customer says yes to the sale, in words' },
    { id: 'courtesy', label: 'Courtesy', kind: 'points', maxPoints: 5, weight: 1, guide: 'Polite, patient, never hangs up first' },
  ],
});

/** An inspector's answer per criterion: passed or not, or the points given. */
export type Answers = Record<string, boolean | number>;

export interface Scored {
  /** Weighted share of the most a call can score, 0 to 1. */
  readonly score: number;
  readonly passed: boolean;
  readonly failedCritical: readonly string[];
}

/** Scores the answers; throws with every problem named (a criterion unanswered, unknown, or answered in the wrong kind). */
export function scoreReview(card: Scorecard, answers: Answers): Scored {
  const problems: string[] = [];
  for (const id of Object.keys(answers)) if (!card.criteria.some((c) => c.id === id)) problems.push(`answers.${id}: the scorecard "${card.name}" has no criterion ${id}`);
  let got = 0;
  let most = 0;
  const failedCritical: string[] = [];
  for (const c of card.criteria) {
    const answer = answers[c.id];
    if (answer === undefined) {
      problems.push(`answers.${c.id}: ${c.label} is not answered`);
      continue;
    }
    if (c.kind === 'pass-fail' && typeof answer !== 'boolean') problems.push(`answers.${c.id}: ${c.label} is pass-fail: answer true or false`);
    if (c.kind === 'points' && (typeof answer !== 'number' || !Number.isInteger(answer) || answer < 0 || answer > c.maxPoints!)) {
      problems.push(`answers.${c.id}: ${c.label} takes whole points from 0 to ${c.maxPoints}`);
    }
    const fraction = typeof answer === 'boolean' ? Number(answer) : Number(answer) / (c.maxPoints ?? 1);
    got += c.weight * fraction;
    most += c.weight;
    if (c.critical && answer === false) failedCritical.push(c.id);
  }
  if (problems.length > 0) throw new ScoringError(problems);
  const score = most === 0 ? 0 : got / most;
  return { score, passed: failedCritical.length === 0 && score >= card.passMark, failedCritical };
}

export class ScoringError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'ScoringError';
  }
}
