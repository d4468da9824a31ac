/**
 * The agent's answers, checked against the script: each answer fits its
 * question's kind, and each answered question lies on the path the answers
 * themselves take through the branches. Pure: the socket and the tests call it.
 */
import { z } from 'zod';
import type { ScriptDefinition, ScriptItem } from './script.js';

export const answerValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
export type AnswerValue = z.output<typeof answerValueSchema>;
export type Answers = Readonly<Record<string, AnswerValue>>;

export class AnswerRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnswerRefusedError';
  }
}

/** Why the value does not answer the question, or undefined when it does. */
export function answerProblem(item: ScriptItem, value: AnswerValue): string | undefined {
  switch (item.kind) {
    case 'section':
      return `"${item.id}" is a text section: it takes no answer`;
    case 'single-choice':
      return typeof value === 'string' && item.options.some((o) => o.value === value)
        ? undefined
        : `"${item.id}" takes one of ${item.options.map((o) => `"${o.value}"`).join(', ')}`;
    case 'multiple-choice':
      return Array.isArray(value) && new Set(value).size === value.length && value.every((v) => item.options.some((o) => o.value === v))
        ? undefined
        : `"${item.id}" takes a list of distinct options among ${item.options.map((o) => `"${o.value}"`).join(', ')}`;
    case 'free-text':
      return typeof value === 'string' && value.length <= item.maxLength ? undefined : `"${item.id}" takes text of at most ${item.maxLength} characters`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && (item.min === undefined || value >= item.min) && (item.max === undefined || value <= item.max)
        ? undefined
        : `"${item.id}" takes a number${item.min === undefined ? '' : ` from ${item.min}`}${item.max === undefined ? '' : ` up to ${item.max}`}`;
    case 'yes-no':
      return typeof value === 'boolean' ? undefined : `"${item.id}" takes true (yes) or false (no)`;
  }
}

/** Where the script goes after this item, given its answer (absent: skipped); undefined at the end. */
export function nextItem(item: ScriptItem, answer: AnswerValue | undefined): string | undefined {
  if (answer !== undefined && 'branches' in item) {
    const branch = (item.branches ?? []).find((b) => {
      if ('when' in b) return Array.isArray(answer) ? answer.includes(b.when as string) : answer === b.when;
      return typeof answer === 'number' && (b.min === undefined || answer >= b.min) && (b.max === undefined || answer <= b.max);
    });
    if (branch) return branch.next;
  }
  return item.next;
}

/** The items the agent goes through, in order, given the answers so far. Ends because a valid script has no cycle. */
export function pathThrough(script: ScriptDefinition, answers: Answers): ScriptItem[] {
  const byId = new Map(script.questions.map((q) => [q.id, q]));
  const path: ScriptItem[] = [];
  for (let item = byId.get(script.start); item; item = byId.get(nextItem(item, answers[item.id]) ?? '')) path.push(item);
  return path;
}

/**
 * The stored answers with the new ones laid over them (last write wins),
 * refused whole if one does not fit. A stored answer the new branch no longer
 * passes through is dropped: it belonged to a path the call did not take.
 */
export function mergeAnswers(script: ScriptDefinition, stored: Answers, incoming: Answers): { answers: Record<string, AnswerValue>; dropped: string[] } {
  const byId = new Map(script.questions.map((q) => [q.id, q]));
  for (const [questionId, value] of Object.entries(incoming)) {
    const item = byId.get(questionId);
    if (!item) throw new AnswerRefusedError(`"${questionId}" is not a question of the script "${script.name}"`);
    const problem = answerProblem(item, value);
    if (problem) throw new AnswerRefusedError(problem);
  }
  const merged: Record<string, AnswerValue> = { ...stored, ...incoming };
  const onPath = new Set(pathThrough(script, merged).map((item) => item.id));
  const offPath = Object.keys(incoming).filter((q) => !onPath.has(q));
  if (offPath.length > 0) {
    throw new AnswerRefusedError(
      `${offPath.map((q) => `"${q}"`).join(', ')} ${offPath.length === 1 ? 'is' : 'are'} not on the path the answers take: the branch taken earlier leads elsewhere; change the earlier answer first`,
    );
  }
  const dropped = Object.keys(merged).filter((q) => !onPath.has(q));
  for (const q of dropped) delete merged[q];
  return { answers: merged, dropped };
}

