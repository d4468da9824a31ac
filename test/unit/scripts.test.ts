import { describe, expect, it } from 'vitest';
import { AnswerRefusedError, mergeAnswers, pathThrough } from '../../src/agents/scripts/answers.js';
import { renderScript } from '../../src/agents/scripts/render.js';
import { scriptInputSchema, type ScriptDefinition, type ScriptInput } from '../../src/agents/scripts/script.js';
import { SURVEY } from '../support/sample-script.js';

const survey: ScriptDefinition = scriptInputSchema.parse(SURVEY);
const ids = (answers: Record<string, unknown>) => pathThrough(survey, answers as never).map((q) => q.id);

function problems(input: ScriptInput): string[] {
  const result = scriptInputSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.message);
}

describe('a script on save', () => {
  it('starts at the first question unless told otherwise', () => {
    expect(survey.start).toBe('greeting');
  });

  it('refuses a next or a branch to a question that does not exist', () => {
    const dangling = { ...SURVEY, questions: SURVEY.questions.map((q) => (q.id === 'complaint' ? { ...q, next: 'nowhere' } : q)) };
    expect(problems(dangling)).toEqual([expect.stringMatching(/"complaint" goes on to "nowhere", which is not a question/)]);
    expect(problems({ ...SURVEY, start: 'missing' })).toEqual([expect.stringMatching(/start "missing" is not a question/)]);
  });

  it('refuses a branch on an option the question does not offer, and two questions with one id', () => {
    const badBranch = {
      name: 'x',
      questions: [
        { id: 'a', kind: 'single-choice' as const, text: '?', options: [{ value: 'y', label: 'Y' }, { value: 'n', label: 'N' }], branches: [{ when: 'maybe', next: 'b' }] },
        { id: 'b', kind: 'section' as const, text: 'bye' },
      ],
    };
    expect(problems(badBranch)).toEqual([expect.stringMatching(/branches on "maybe", which is not one of its options/)]);
    const twice = { name: 'x', questions: [{ id: 'a', kind: 'section' as const, text: 'one' }, { id: 'a', kind: 'section' as const, text: 'two' }] };
    expect(problems(twice)).toEqual([expect.stringMatching(/"a" is used twice/)]);
  });

  it('refuses a loop, naming it', () => {
    const loop = { ...SURVEY, questions: SURVEY.questions.map((q) => (q.id === 'complaint' ? { ...q, next: 'speed' } : q)) };
    expect(problems(loop)).toEqual([expect.stringMatching(/loops \(speed → complaint → speed\)/)]);
  });

  it('refuses a question no path reaches', () => {
    const lost = { ...SURVEY, questions: [...SURVEY.questions, { id: 'orphan', kind: 'free-text' as const, text: 'Anything else?' }] };
    expect(problems(lost)).toEqual([expect.stringMatching(/no path from "greeting" reaches "orphan"/)]);
  });

  it('refuses an unknown kind or a misspelt field', () => {
    expect(problems({ name: 'x', questions: [{ id: 'a', kind: 'essay', text: '?' } as never] }).length).toBe(1);
    expect(problems({ name: 'x', questions: [{ id: 'a', kind: 'section', text: '?', nxt: 'b' } as never] }).length).toBe(1);
  });
});

describe('the path through a script', () => {
  it('follows each answer to its branch, and skipped questions to their next', () => {
    expect(ids({})).toEqual(['greeting', 'customer', 'speed', 'devices', 'thanks']);
    expect(ids({ customer: false })).toEqual(['greeting', 'customer', 'thanks']);
    expect(ids({ customer: true, speed: 'slow', devices: 12 })).toEqual(['greeting', 'customer', 'speed', 'complaint', 'devices', 'business', 'thanks']);
    expect(ids({ speed: 'fast', devices: 9 })).toEqual(['greeting', 'customer', 'speed', 'devices', 'thanks']);
  });

  it('branches a multiple choice on the first branch whose option was chosen', () => {
    const script = scriptInputSchema.parse({
      name: 'm',
      questions: [
        { id: 'use', kind: 'multiple-choice', text: '?', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }], branches: [{ when: 'b', next: 'bee' }], next: 'end' },
        { id: 'bee', kind: 'section', text: 'B!', next: 'end' },
        { id: 'end', kind: 'section', text: 'bye' },
      ],
    });
    expect(pathThrough(script, { use: ['a', 'b'] }).map((q) => q.id)).toEqual(['use', 'bee', 'end']);
    expect(pathThrough(script, { use: ['a'] }).map((q) => q.id)).toEqual(['use', 'end']);
  });
});

describe('answers against the script', () => {
  it('takes answers that fit their kinds and lie on the path', () => {
    const { answers, dropped } = mergeAnswers(survey, {}, { customer: true, speed: 'slow', complaint: 'drops at night', devices: 12, business: ['work'] });
    expect(answers).toMatchObject({ customer: true, speed: 'slow', devices: 12, business: ['work'] });
    expect(dropped).toEqual([]);
  });

  it.each([
    [{ greeting: 'hi' }, /text section: it takes no answer/],
    [{ customer: 'yes' }, /takes true \(yes\) or false \(no\)/],
    [{ speed: 'medium' }, /takes one of "fast", "slow"/],
    [{ devices: 101 }, /takes a number from 0 up to 100/],
    [{ devices: 12, business: ['work', 'work'] }, /list of distinct options/],
    [{ color: 'red' }, /"color" is not a question of the script/],
  ])('refuses %j', (answers, message) => {
    expect(() => mergeAnswers(survey, {}, answers)).toThrow(message);
  });

  it('refuses an answer to a question off the path, and says why', () => {
    expect(() => mergeAnswers(survey, { customer: false }, { speed: 'fast' })).toThrow(AnswerRefusedError);
    expect(() => mergeAnswers(survey, {}, { speed: 'fast', complaint: 'none' })).toThrow(/"complaint" is not on the path/);
    // Answered together with the answer that leads there, it is on the path.
    expect(mergeAnswers(survey, {}, { speed: 'slow', complaint: 'slow at night' }).answers).toEqual({ speed: 'slow', complaint: 'slow at night' });
  });

  it('lets a later answer replace an earlier one and drops the answers the old branch led to', () => {
    const first = mergeAnswers(survey, {}, { customer: true, speed: 'slow', complaint: 'drops' });
    const changed = mergeAnswers(survey, first.answers, { speed: 'fast' });
    expect(changed.answers).toEqual({ customer: true, speed: 'fast' });
    expect(changed.dropped).toEqual(['complaint']);
  });
});

describe('a script shown to the agent', () => {
  it("puts the lead's fields in texts and leaves a missing field empty", () => {
    const shown = renderScript(survey, { phone: '+12025550001', fields: { first_name: 'Ada' } });
    expect(shown.questions[0]!.text).toBe('Hello Ada, this is outpace calling about .');
    expect(shown.questions.at(-1)!.text).toBe('Thank you, Ada.');
  });
});
