import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LivePublisher } from '../../src/campaigns/dialing/live-publisher.js';
import type { LiveState } from '../../src/coordination/coordination.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AttemptId, CampaignId } from '../../src/domain/ids.js';

const CAMPAIGN = CampaignId('00000000-0000-4000-8000-000000000001');
const T0 = Date.UTC(2026, 0, 13, 15);

/** The in-process live state, refusing every write while `away` holds (Redis out of reach). */
function flakyLiveState() {
  const real = memoryCoordination({ now: () => T0 }).live;
  const state = { away: false };
  const refuse = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  const live = new Proxy(real, {
    get: (target, name: keyof LiveState) => {
      const value = target[name];
      return typeof value === 'function' ? (...args: unknown[]) => (state.away ? refuse() : (value as (...a: unknown[]) => unknown).apply(target, args)) : value;
    },
  });
  return { live, real, state };
}

describe('the live publisher', () => {
  it('writes the end of a call the live state missed while out of reach, once it answers again', async () => {
    const { live, real, state } = flakyLiveState();
    const publisher = new LivePublisher({ live, campaignId: CAMPAIGN, logger: pino({ level: 'silent' }) });
    publisher.attemptOpened(AttemptId('a1'), T0);
    await publisher.settled();
    expect((await real.callsInFlight(CAMPAIGN)).map((c) => c.attemptId)).toEqual(['a1']);

    state.away = true;
    publisher.callOver(AttemptId('a1'), T0 + 1000, []);
    await publisher.settled();
    expect((await real.callsInFlight(CAMPAIGN)).map((c) => c.attemptId)).toEqual(['a1']);

    state.away = false;
    // The next write that goes through (here: the next call) brings the missed end with it.
    publisher.attemptOpened(AttemptId('a2'), T0 + 2000);
    await publisher.settled();
    expect((await real.callsInFlight(CAMPAIGN)).map((c) => c.attemptId)).toEqual(['a2']);
  });

  it('tries the missed ends once more when asked to settle (at shutdown)', async () => {
    const { live, real, state } = flakyLiveState();
    const publisher = new LivePublisher({ live, campaignId: CAMPAIGN, logger: pino({ level: 'silent' }) });
    publisher.attemptOpened(AttemptId('b1'), T0);
    await publisher.settled();
    state.away = true;
    publisher.callOver(AttemptId('b1'), T0 + 1000, []);
    await new Promise((resolve) => setTimeout(resolve, 10));
    state.away = false;
    await publisher.settled();
    expect(await real.callsInFlight(CAMPAIGN)).toEqual([]);
  });

  it('takes an adopted call that ended while the takeover was under way off the wallboard, and counts it', async () => {
    const { real } = flakyLiveState();
    // The lost engine's calls, as it left them on the wallboard.
    for (const id of ['kept', 'ended', 'gone']) await real.trackCall({ attemptId: AttemptId(id), campaignId: CAMPAIGN, phase: 'connected', since: T0, agentId: null });
    const publisher = new LivePublisher({ live: real, campaignId: CAMPAIGN, logger: pino({ level: 'silent' }) });
    publisher.callOver(AttemptId('ended'), T0 + 1000, [['connects', 1]]);
    await publisher.takeOver(new Set([AttemptId('kept'), AttemptId('ended')]));
    await publisher.settled();
    expect((await real.callsInFlight(CAMPAIGN)).map((c) => c.attemptId)).toEqual(['kept']);
    expect((await real.counters(CAMPAIGN, T0)).connects).toBe(1);
  });
});
