/**
 * A campaign's script: text sections the agent reads and questions the agent
 * asks, each answer choosing what comes next. A script is checked whole on
 * save, so an agent never meets a question that points nowhere.
 *
 * Branching rules, in the order a question's next step is chosen:
 * - a branch whose `when` matches the answer (single choice: the option;
 *   multiple choice: the first branch whose option is among those chosen;
 *   yes/no: true or false; number: within `min`..`max`, both inclusive);
 * - else the question's `next`;
 * - no `next`: the script ends there.
 * A question left unanswered follows its `next`: agents may skip a question
 * the customer will not answer, and the call goes on.
 *
 * Cycles are refused: the answers are kept one per question and attempt, so
 * a script cannot ask the same question twice on one call. Questions no path
 * reaches are refused too: nobody could ever answer them, which is always an
 * editing mistake (a branch pointed elsewhere, a question left behind).
 */
import { z } from 'zod';

const id = z
  .string()
  .regex(/^[A-Za-z][\w-]{0,63}$/, 'a question id is a letter then up to 63 letters, digits, "_" or "-", such as "budget"');

const option = z.object({ value: z.string().min(1).max(200), label: z.string().min(1).max(500) }).strict();

const common = {
  id,
  /** What the agent reads or asks; `{{field}}` is replaced with the lead's field (phone: `{{phone}}`). */
  text: z.string().min(1).max(10_000),
  next: id.optional(),
};

const choiceBranch = z.object({ when: z.string().min(1), next: id }).strict();

export const scriptItemSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('section') }).strict(),
  z.object({ ...common, kind: z.literal('single-choice'), options: z.array(option).min(2).max(50), branches: z.array(choiceBranch).optional() }).strict(),
  z.object({ ...common, kind: z.literal('multiple-choice'), options: z.array(option).min(1).max(50), branches: z.array(choiceBranch).optional() }).strict(),
  z.object({ ...common, kind: z.literal('free-text'), maxLength: z.int().min(1).max(10_000).default(2000) }).strict(),
  z
    .object({
      ...common,
      kind: z.literal('number'),
      min: z.number().optional(),
      max: z.number().optional(),
      branches: z.array(z.object({ min: z.number().optional(), max: z.number().optional(), next: id }).strict()).optional(),
    })
    .strict(),
  z.object({ ...common, kind: z.literal('yes-no'), branches: z.array(z.object({ when: z.boolean(), next: id }).strict()).optional() }).strict(),
]);
export type ScriptItem = z.output<typeof scriptItemSchema>;
export type QuestionKind = ScriptItem['kind'];

/** The script as a campaign manager writes it. */
export const scriptInputSchema = z
  .object({
    name: z.string().min(1).max(200),
    /** The first item; absent: the first of the list. */
    start: id.optional(),
    questions: z.array(scriptItemSchema).min(1).max(500),
  })
  .strict()
  .superRefine((script, ctx) => {
    for (const problem of scriptProblems(script)) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
  })
  .transform((script) => ({ ...script, start: script.start ?? script.questions[0]!.id }));
export type ScriptInput = z.input<typeof scriptInputSchema>;
export type ScriptDefinition = z.output<typeof scriptInputSchema>;

interface Problem {
  readonly message: string;
  readonly path: (string | number)[];
}

/** Where each item can go next: its branches, then its default. */
export function successors(item: ScriptItem): string[] {
  const branches = 'branches' in item ? (item.branches ?? []).map((b) => b.next) : [];
  return item.next === undefined ? branches : [...branches, item.next];
}

function scriptProblems(script: { start?: string | undefined; questions: readonly ScriptItem[] }): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map<string, ScriptItem>();
  script.questions.forEach((item, i) => {
    if (byId.has(item.id)) problems.push({ message: `question id "${item.id}" is used twice: give each question its own id`, path: ['questions', i, 'id'] });
    byId.set(item.id, item);
  });
  if (script.start !== undefined && !byId.has(script.start)) {
    problems.push({ message: `start "${script.start}" is not a question of the script`, path: ['start'] });
  }
  script.questions.forEach((item, i) => {
    successors(item).forEach((next) => {
      if (!byId.has(next)) problems.push({ message: `"${item.id}" goes on to "${next}", which is not a question of the script`, path: ['questions', i] });
    });
    if (item.kind === 'single-choice' || item.kind === 'multiple-choice') {
      const values = new Set(item.options.map((o) => o.value));
      if (values.size !== item.options.length) problems.push({ message: `"${item.id}" has two options with the same value`, path: ['questions', i, 'options'] });
      (item.branches ?? []).forEach((b, j) => {
        if (!values.has(b.when)) problems.push({ message: `"${item.id}" branches on "${b.when}", which is not one of its options`, path: ['questions', i, 'branches', j] });
      });
    }
  });
  if (problems.length > 0) return problems;
  return [...cycleProblems(script.start ?? script.questions[0]!.id, byId), ...unreachableProblems(script.start ?? script.questions[0]!.id, script.questions, byId)];
}

function cycleProblems(start: string, byId: ReadonlyMap<string, ScriptItem>): Problem[] {
  // Depth-first from the start: an edge back to an item still on the stack closes a loop.
  const onStack = new Set<string>();
  const done = new Set<string>();
  const visit = (itemId: string, trail: string[]): Problem | undefined => {
    if (onStack.has(itemId)) {
      const loop = [...trail.slice(trail.indexOf(itemId)), itemId].join(' → ');
      return { message: `the script loops (${loop}): a question can be asked once per call, so point one of these elsewhere`, path: ['questions'] };
    }
    if (done.has(itemId)) return undefined;
    onStack.add(itemId);
    for (const next of successors(byId.get(itemId)!)) {
      const problem = visit(next, [...trail, itemId]);
      if (problem) return problem;
    }
    onStack.delete(itemId);
    done.add(itemId);
    return undefined;
  };
  const problem = visit(start, []);
  return problem ? [problem] : [];
}

function unreachableProblems(start: string, items: readonly ScriptItem[], byId: ReadonlyMap<string, ScriptItem>): Problem[] {
  const reached = new Set<string>([start]);
  const queue = [start];
  for (let itemId = queue.pop(); itemId !== undefined; itemId = queue.pop()) {
    for (const next of successors(byId.get(itemId)!)) if (!reached.has(next)) (reached.add(next), queue.push(next));
  }
  const lost = items.filter((item) => !reached.has(item.id)).map((item) => item.id);
  if (lost.length === 0) return [];
  return [{ message: `no path from "${start}" reaches ${lost.map((q) => `"${q}"`).join(', ')}: point a branch or a next at them, or remove them`, path: ['questions'] }];
}
