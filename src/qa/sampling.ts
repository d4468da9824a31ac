/**
 * Draws a QA sample from a period's calls: pure, reproducible and explained.
 *
 * Each call's chance comes from a hash of the plan's seed, the period and the
 * call's id, not from a stream of random numbers, so the same plan over the
 * same calls picks the same calls whatever order they are read in, and a
 * call added late does not reshuffle the others. Shares are spread over the
 * period's hours (each hour gets its part of the picks, by the largest
 * remainder), so that a sample is not all morning calls. Each call picked
 * says why, in words an inspector and the agent can read.
 */
import { mix32 } from '../simulator/random.js';
import type { SamplingPlan } from './sampling-plan.js';

export interface SampleCall {
  readonly attemptId: string;
  readonly agentId: string;
  readonly disposition: string | null;
  readonly validSale: boolean;
  /** The local day (YYYY-MM-DD) and hour (0-23) of the call, in the plan's time zone. */
  readonly day: string;
  readonly hour: number;
  /** A call on a lead whose corrective loop is open (made to correct a failed sale). */
  readonly corrective?: boolean;
}

export interface SamplePeriod {
  /** A day's draw applies the daily share and the dispositions always sampled; a week's, the weekly share and the agents' minimums. */
  readonly kind: 'day' | 'week';
  /** The day, or the week's first day (YYYY-MM-DD). */
  readonly start: string;
}

export interface SampleInput {
  readonly plan: SamplingPlan;
  /** Names the plan in the seed (the campaign's id), so that two campaigns' samples are independent. */
  readonly seed: string;
  readonly period: SamplePeriod;
  readonly calls: readonly SampleCall[];
  /** Calls of the period sampled before (a week's daily draws): counted toward the minimums, never drawn twice. */
  readonly alreadySampled?: ReadonlySet<string>;
  /** Agents whose first call is within the plan's newAgents.days of the period's start. */
  readonly newAgents?: ReadonlySet<string>;
}

export type SampleRule = 'corrective' | 'always' | 'daily-share' | 'weekly-share' | 'agent-minimum';

export interface SampledCall {
  readonly attemptId: string;
  readonly agentId: string;
  readonly rules: readonly SampleRule[];
  /** Why it was chosen: a sentence per rule that chose it. */
  readonly reasons: readonly string[];
}

/** A call in the draw: its key (its place in the draw), and what chose it so far. */
interface Entry {
  readonly call: SampleCall;
  readonly key: number;
  /** Sampled by another draw before this one. */
  readonly before: boolean;
  rules?: SampleRule[];
  reasons?: string[];
}

const taken = (e: Entry) => e.before || e.rules !== undefined;

export function drawSample(input: SampleInput): SampledCall[] {
  const { plan, period } = input;
  const already = input.alreadySampled ?? new Set<string>();
  const seed = seedOf(`${input.seed}|${period.kind}|${period.start}`);
  const entries: Entry[] = input.calls.map((call) => ({ call, key: keyOf(seed, call.attemptId), before: already.has(call.attemptId) }));
  const pick = (e: Entry, rule: SampleRule, reason: string) => {
    (e.rules ??= []).push(rule);
    (e.reasons ??= []).push(reason);
  };

  for (const e of entries) if (e.call.corrective && !e.before) pick(e, 'corrective', 'a corrective call is held to the same rules as the sale it corrects: always reviewed');
  if (period.kind === 'day') {
    const always = new Set(plan.alwaysSample);
    for (const e of entries) if (!taken(e) && e.call.disposition && always.has(e.call.disposition)) pick(e, 'always', `every ${e.call.disposition} call is sampled`);
    if (plan.daily) shareOf(plan.daily, 'daily-share', `on ${period.start}`);
  } else {
    if (plan.weekly) shareOf(plan.weekly, 'weekly-share', `in the week of ${period.start}`);
    agentMinimums();
  }
  return entries.flatMap((e) => (e.rules ? [{ attemptId: e.call.attemptId, agentId: e.call.agentId, rules: e.rules, reasons: e.reasons! }] : []));

  function shareOf(rule: { share: number; of: 'connected' | 'valid-sale' }, name: SampleRule, when: string): void {
    const eligible = rule.of === 'connected' ? entries : entries.filter((e) => e.call.validSale);
    const wanted = Math.ceil(rule.share * eligible.length);
    const what = rule.of === 'connected' ? 'connected calls' : 'valid sales';
    // A share of its own: calls another draw took (the day's) are not drawn again, and do not count toward it.
    const chosen = spread(eligible.filter((e) => !taken(e)), wanted);
    for (const e of chosen) {
      pick(e, name, `${formatShare(rule.share)} of ${what} ${when}: ${chosen.length} of ${eligible.length}, spread over the hours (this one ${e.call.day} ${String(e.call.hour).padStart(2, '0')}:00)`);
    }
  }

  function agentMinimums(): void {
    const byAgent = new Map<string, Entry[]>();
    for (const e of entries) {
      const list = byAgent.get(e.call.agentId);
      if (list) list.push(e);
      else byAgent.set(e.call.agentId, [e]);
    }
    for (const [agentId, calls] of byAgent) {
      const isNew = input.newAgents?.has(agentId) ?? false;
      const minimum = isNew ? plan.newAgents.minPerWeek : plan.minPerAgentPerWeek;
      const sampled = calls.filter(taken).length;
      if (sampled >= minimum) continue;
      const chosen = spreadOverDays(calls.filter((e) => !taken(e)), minimum - sampled);
      const who = isNew ? `${agentId} is new (first call within ${plan.newAgents.days} days): ${minimum} calls a week` : `${agentId} gets at least ${minimum} monitored calls a week`;
      for (const e of chosen) pick(e, 'agent-minimum', `${who}; ${sampled} sampled otherwise, of ${calls.length} made`);
    }
  }
}

/** `count` calls, one a day first (monitored calls at different times tell more than three of one morning), then by key. */
function spreadOverDays(entries: readonly Entry[], count: number): Entry[] {
  const byKey = [...entries].sort((a, b) => a.key - b.key);
  const days = new Set<string>();
  const chosen = new Set(byKey.filter((e) => !days.has(e.call.day) && days.add(e.call.day)).slice(0, count));
  for (const e of byKey) {
    if (chosen.size >= count) break;
    chosen.add(e);
  }
  return [...chosen];
}

/**
 * `count` calls spread over the day-hours they fall in: each hour gets its
 * share by the largest remainder, and within an hour the lowest keys win.
 */
function spread(entries: readonly Entry[], count: number): Entry[] {
  if (count <= 0 || entries.length === 0) return [];
  if (count >= entries.length) return [...entries];
  const buckets = new Map<string, Entry[]>();
  for (const e of entries) {
    const bucket = `${e.call.day} ${e.call.hour}`;
    const list = buckets.get(bucket);
    if (list) list.push(e);
    else buckets.set(bucket, [e]);
  }
  const shares = [...buckets.values()].map((list) => {
    const exact = (count * list.length) / entries.length;
    const take = Math.floor(exact);
    // Equal remainders are settled by the hours' own draws, never by the order the calls came in.
    return { list, take, remainder: exact - take, tie: list.reduce((low, e) => Math.min(low, e.key), 1) };
  });
  let left = count - shares.reduce((sum, s) => sum + s.take, 0);
  for (const s of [...shares].sort((a, b) => b.remainder - a.remainder || a.tie - b.tie)) {
    if (left === 0) break;
    s.take += 1;
    left -= 1;
  }
  return shares.flatMap((s) => (s.take === 0 ? [] : smallest(s.list, s.take)));
}

/** The `k` entries of lowest key: a partial selection, not a sort of the whole hour. */
function smallest(list: Entry[], k: number): Entry[] {
  if (k >= list.length) return list;
  const threshold = quickselect(list.map((e) => e.key), k - 1);
  return list.filter((e) => e.key <= threshold).sort((a, b) => a.key - b.key).slice(0, k);
}

/** The k-th smallest of `values` (0-based), rearranging them (Hoare's selection). */
function quickselect(values: number[], k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        [values[i], values[j]] = [values[j]!, values[i]!];
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = mix32(h ^ text.charCodeAt(i));
  return h;
}

/** The call's place in the draw, uniform in [0, 1): the same for the same seed and call. */
function keyOf(seed: number, attemptId: string): number {
  let h = seed;
  for (let i = 0; i < attemptId.length; i++) h = Math.imul(h ^ attemptId.charCodeAt(i), 0x01000193);
  return mix32(h) / 2 ** 32;
}

function formatShare(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}
