import { describe, expect, it } from 'vitest';
import { drawSample, type SampleCall, type SampleInput } from '../../src/qa/sampling.js';
import { DEFAULT_SAMPLING_PLAN, samplingPlanSchema } from '../../src/qa/sampling-plan.js';

const DAYS = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];

/** `n` calls spread over the working week's days and hours 9-17, dealt to `agents` agents in turn. */
function week(n: number, agents = 10, o: Partial<SampleCall> = {}): SampleCall[] {
  return Array.from({ length: n }, (_, i) => ({
    attemptId: `a${i}`,
    agentId: `agent${i % agents}`,
    disposition: i % 7 === 0 ? 'valid-sale' : 'refused',
    validSale: i % 7 === 0,
    day: DAYS[Math.floor(i / 3) % DAYS.length]!,
    hour: 9 + (i % 9),
    ...o,
  }));
}

const weekly = (calls: SampleCall[], o: Partial<SampleInput> = {}): SampleInput => ({
  plan: DEFAULT_SAMPLING_PLAN,
  seed: 'campaign-1',
  period: { kind: 'week', start: '2026-11-23' },
  calls,
  ...o,
});

const ids = (picks: { attemptId: string }[]) => picks.map((p) => p.attemptId).sort();

describe('QA sampling', () => {
  it('is reproducible: the same plan, seed and period pick the same calls, in whatever order the calls come', () => {
    const calls = week(2000);
    const first = drawSample(weekly(calls));
    expect(ids(drawSample(weekly([...calls].reverse())))).toEqual(ids(first));
    // Another week, or another campaign, draws differently.
    expect(ids(drawSample(weekly(calls, { seed: 'campaign-2' })))).not.toEqual(ids(first));
    expect(ids(drawSample(weekly(calls, { period: { kind: 'week', start: '2026-11-30' } })))).not.toEqual(ids(first));
  });

  it('takes 5% of the week\'s connected calls, spread over the hours, and says why', () => {
    const calls = week(2000, 10);
    const share = drawSample(weekly(calls)).filter((p) => p.rules.includes('weekly-share'));
    expect(share).toHaveLength(100);
    // 45 day-hours of about 44 calls each: every one gets 2 or 3 of the 100.
    const perHour = new Map<string, number>();
    for (const p of share) {
      const call = calls.find((c) => c.attemptId === p.attemptId)!;
      perHour.set(`${call.day} ${call.hour}`, (perHour.get(`${call.day} ${call.hour}`) ?? 0) + 1);
    }
    expect(perHour.size).toBe(45);
    expect(Math.min(...perHour.values())).toBeGreaterThanOrEqual(2);
    expect(Math.max(...perHour.values())).toBeLessThanOrEqual(3);
    expect(share[0]!.reasons[0]).toMatch(/^5% of connected calls in the week of 2026-11-23: 100 of 2000, spread over the hours \(this one 2026-11-2\d \d\d:00\)$/);
  });

  it('gives every agent at least 3 monitored calls a week, on different days, and new agents 6', () => {
    const calls = [...week(200, 10), ...week(12, 1, { agentId: 'quiet' }).map((c) => ({ ...c, attemptId: `q${c.attemptId}` })), ...week(20, 1, { agentId: 'rookie' }).map((c) => ({ ...c, attemptId: `r${c.attemptId}` }))];
    const picks = drawSample(weekly(calls, { newAgents: new Set(['rookie']) }));
    const of = (agent: string) => picks.filter((p) => p.agentId === agent);
    for (let a = 0; a < 10; a++) expect(of(`agent${a}`).length).toBeGreaterThanOrEqual(3);
    expect(of('quiet').length).toBeGreaterThanOrEqual(3);
    const quietDays = new Set(of('quiet').map((p) => calls.find((c) => c.attemptId === p.attemptId)!.day));
    expect(quietDays.size).toBe(of('quiet').length);
    expect(of('rookie').length).toBeGreaterThanOrEqual(6);
    expect(of('rookie').find((p) => p.rules.includes('agent-minimum'))!.reasons).toContainEqual(expect.stringMatching(/^rookie is new \(first call within 30 days\): 6 calls a week/));
    // An agent with fewer calls than the minimum has all of them monitored.
    const few = drawSample(weekly(week(2, 1, { agentId: 'part-timer' })));
    expect(few).toHaveLength(2);
  });

  it('a day\'s draw takes every call of the dispositions always sampled, and the daily share', () => {
    const plan = samplingPlanSchema.parse({ alwaysSample: ['valid-sale'], daily: { share: 0.1, of: 'connected' } });
    const calls = week(300).map((c) => ({ ...c, day: '2026-11-24' }));
    const picks = drawSample({ plan, seed: 'c', period: { kind: 'day', start: '2026-11-24' }, calls });
    const sales = calls.filter((c) => c.disposition === 'valid-sale');
    for (const sale of sales) expect(picks.find((p) => p.attemptId === sale.attemptId)?.reasons).toContain('every valid-sale call is sampled');
    expect(picks.filter((p) => p.rules.includes('daily-share'))).toHaveLength(30);
    expect(picks.every((p) => p.reasons.length === p.rules.length && p.reasons.length > 0)).toBe(true);
  });

  it('never draws a call sampled before, and counts it toward the agent\'s minimum', () => {
    const calls = week(30, 1);
    const before = new Set(['a0', 'a1', 'a2']);
    const picks = drawSample(weekly(calls, { alreadySampled: before, plan: { ...DEFAULT_SAMPLING_PLAN, weekly: null } }));
    expect(picks).toEqual([]);
    const more = drawSample(weekly(calls, { alreadySampled: new Set(['a0']), plan: { ...DEFAULT_SAMPLING_PLAN, weekly: null } }));
    expect(more).toHaveLength(2);
    expect(more.map((p) => p.attemptId)).not.toContain('a0');
    expect(more[0]!.reasons[0]).toMatch(/1 sampled otherwise, of 30 made$/);
  });

  it('validates a plan naming every problem', () => {
    const result = samplingPlanSchema.safeParse({ weekly: { share: 5, of: 'all' }, minPerAgentPerWeek: 4, newAgents: { days: 30, minPerWeek: 2 }, timeZone: 'Mars/Olympus' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        'weekly.share: weekly.share is a share: at most 1',
        'weekly.of: weekly.of must be connected or valid-sale',
        'timeZone: timeZone must be an IANA time zone, such as America/New_York',
      ]),
    );
    expect(DEFAULT_SAMPLING_PLAN).toMatchObject({ weekly: { share: 0.05, of: 'connected' }, minPerAgentPerWeek: 3, newAgents: { minPerWeek: 6 } });
  });
});
