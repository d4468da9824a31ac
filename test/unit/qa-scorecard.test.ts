import { describe, expect, it } from 'vitest';
import { nextStage } from '../../src/qa/qa-loops.js';
import { DEFAULT_SAMPLING_PLAN } from '../../src/qa/sampling-plan.js';
import { scorecardSchema, scoreReview, ScoringError, VALID_SALE_SCORECARD } from '../../src/qa/scorecard.js';

const all = { 'right-party': true, 'able-to-understand': true, 'script-disclosure': true, 'explicit-consent': true };

describe('scorecards', () => {
  it('fails a call on any failed critical checkpoint, whatever the score', () => {
    expect(scoreReview(VALID_SALE_SCORECARD, { ...all, courtesy: 5 })).toEqual({ score: 1, passed: true, failedCritical: [] });
    const noConsent = scoreReview(VALID_SALE_SCORECARD, { ...all, 'explicit-consent': false, courtesy: 5 });
    expect(noConsent).toEqual({ score: 7 / 9, passed: false, failedCritical: ['explicit-consent'] });
    // Every checkpoint passed, but a score under the pass mark: failed, with no critical failure.
    const card = scorecardSchema.parse({ name: 'points', passMark: 0.8, criteria: [{ id: 'tone', label: 'Tone', kind: 'points', maxPoints: 10 }] });
    expect(scoreReview(card, { tone: 7 })).toEqual({ score: 0.7, passed: false, failedCritical: [] });
  });

  it('names every problem of the answers and of a card', () => {
    expect(() => scoreReview(VALID_SALE_SCORECARD, { ...all, courtesy: 6, extra: true })).toThrow(ScoringError);
    const problems = (() => {
      try {
        scoreReview(VALID_SALE_SCORECARD, { 'right-party': 1, courtesy: 6, extra: true });
        return [];
      } catch (err) {
        return (err as ScoringError).problems;
      }
    })();
    expect(problems).toEqual([
        'answers.extra: the scorecard "valid sale" has no criterion extra',
        'answers.right-party: Right party is pass-fail: answer true or false',
        'answers.able-to-understand: Able to understand is not answered',
        'answers.script-disclosure: Approved script, full disclosure is not answered',
        'answers.explicit-consent: Explicit spoken consent is not answered',
        'answers.courtesy: Courtesy takes whole points from 0 to 5',
    ]);
    const bad = scorecardSchema.safeParse({ name: 'x', criteria: [{ id: 'a', label: 'A', kind: 'points', critical: true }, { id: 'a', label: 'B', kind: 'pass-fail' }] });
    expect(bad.error!.issues.map((i) => i.message)).toEqual([
      'criterion a scores points: give maxPoints',
      'criterion a: a critical criterion is pass-fail (its failure fails the call)',
      'criterion id a is used twice',
    ]);
  });

  it('moves a trial loop on by each confirmation result', () => {
    const plan = DEFAULT_SAMPLING_PLAN;
    const first = { kind: 'trial-confirmation' as const, step: 1, extensions: 0 };
    expect(nextStage(first, 'confirmed', plan)).toMatchObject({ step: 2, callInDays: 3 });
    expect(nextStage({ ...first, step: 2 }, 'confirmed', plan)).toMatchObject({ outcome: 'confirmed twice: the trial may be charged' });
    expect(nextStage(first, 'suspended', plan)).toMatchObject({ extensions: 1, extendDays: 7, callInDays: 7 });
    expect(nextStage({ ...first, extensions: 2 }, 'unreachable', plan)).toMatchObject({ outcome: 'not confirmed after 2 extensions: not to be charged' });
    expect(nextStage(first, 'wants-to-think', plan).outcome).toMatch(/cancellation method was given/);
    expect(nextStage({ kind: 'corrective-callback', step: 1, extensions: 0 }, 'not-reached', plan)).toMatchObject({ callInDays: 2 / 24 });
  });
});
