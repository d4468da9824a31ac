import { describe, expect, it } from 'vitest';
import { AgentId, AttemptId } from '../../src/domain/ids.js';
import { Pacer } from '../../src/pacing/pacer.js';
import { parsePacingSettings, type PacingSettings } from '../../src/pacing/settings.js';
import type { AgentState, AgentView, CallView, PacingSnapshot } from '../../src/pacing/snapshot.js';
import { Random } from '../../src/simulator/random.js';

const NOW = Date.UTC(2026, 0, 13, 10);

function agent(i: number, state: AgentState, sinceSec: number, pausePending = false): AgentView {
  const since = NOW - sinceSec * 1000;
  return { id: AgentId(`a${i}`), state, stateSince: since, callStartedAt: state === 'on-call' || state === 'wrap-up' ? since : undefined, pausePending };
}

function ringing(i: number, sinceSec: number): CallView {
  return { attemptId: AttemptId(`c${i}`), phase: 'ringing', originatedAt: NOW - sinceSec * 1000 };
}

function snapshot(agents: AgentView[], calls: CallView[] = [], capacity: Partial<PacingSnapshot['capacity']> = {}): PacingSnapshot {
  return {
    now: NOW,
    agents,
    calls,
    capacity: { trunkUp: true, trunkLinesFree: 10_000, trunkCallsAllowedNow: 10_000, leadsAvailable: 1_000_000, ...capacity },
  };
}

/** A pacer that has seen `n` dials with the given live-answer rate (none abandoned), and `talks` talks and wrap-ups of known lengths. */
function trainedPacer(settings: Partial<PacingSettings>, liveRate: number, n = 3000, seed = 1, talks = 500): Pacer {
  const pacer = new Pacer(parsePacingSettings({ mode: 'predictive', ...settings }));
  const r = new Random(seed);
  for (let i = 0; i < n; i++) {
    const live = r.next() < liveRate;
    pacer.observe({ kind: 'resolved', needsAgent: live, answered: live, secondsToResolve: live ? r.lognormal(10, 4) : 25 }, NOW);
    if (live) pacer.recordLiveAnswer(NOW);
  }
  for (let i = 0; i < talks; i++) {
    pacer.observe({ kind: 'talk', seconds: r.lognormal(120, 60) }, NOW);
    pacer.observe({ kind: 'wrap-up', seconds: r.gamma(15, 5) }, NOW);
  }
  return pacer;
}

/** 50 agents: a few ready, most on calls of assorted lengths, some in wrap-up. */
function busyFloor(r = new Random(3)): AgentView[] {
  return Array.from({ length: 50 }, (_, i) =>
    i < 3 ? agent(i, 'ready', 2) : i < 8 ? agent(i, 'wrap-up', r.uniform(0, 15)) : agent(i, 'on-call', r.uniform(0, 300)),
  );
}

describe('predictive pacing decisions', () => {
  it('with no history, launches no more calls than ready agents (cold start is progressive)', () => {
    const pacer = new Pacer(parsePacingSettings({ mode: 'predictive' }));
    const d = pacer.decide(snapshot([agent(1, 'ready', 5), agent(2, 'ready', 1), agent(3, 'on-call', 100)], [ringing(1, 3)]));
    expect(d.dials).toBe(1);
    expect(d.estimates.warmedUp).toBe(false);
  });

  it('once the answer rate is known but no talk has ended, dials ahead of the ready agents only', () => {
    const floor = busyFloor();
    const ready = floor.filter((a) => a.state === 'ready').length;
    const early = trainedPacer({}, 0.2, 3000, 1, 0).decide(snapshot(floor));
    expect(early.estimates.warmedUp).toBe(false);
    expect(early.expectedFreeAgents).toBe(ready);
    expect(early.dials).toBeGreaterThan(ready);
    const later = trainedPacer({}, 0.2).decide(snapshot(floor));
    expect(later.expectedFreeAgents).toBeGreaterThan(ready);
  });

  it('with a zero abandon target, never expects more live answers than free agents', () => {
    const pacer = trainedPacer({ abandonTarget: 0 }, 0.2);
    for (let seed = 1; seed <= 20; seed++) {
      const d = pacer.decide(snapshot(busyFloor(new Random(seed))));
      expect(d.expectedLiveAnswers).toBeLessThanOrEqual(d.expectedFreeAgents + 1e-9);
    }
  });

  it('dials ahead of busy agents when history allows, and more when the answer rate drops', () => {
    const floor = busyFloor();
    const high = trainedPacer({}, 0.3).decide(snapshot(floor));
    const low = trainedPacer({}, 0.08).decide(snapshot(floor));
    expect(high.dials).toBeGreaterThan(3);
    expect(low.dials).toBeGreaterThan(high.dials);
    expect(low.dialLevel).toBeGreaterThan(high.dialLevel);
  });

  it('does not count agents who asked for a pause as about to be free', () => {
    const pacer = trainedPacer({}, 0.2);
    const floor = busyFloor();
    const pausing = floor.map((a) => (a.state === 'on-call' || a.state === 'wrap-up' ? { ...a, pausePending: true } : a));
    expect(pacer.decide(snapshot(pausing)).dials).toBeLessThan(pacer.decide(snapshot(floor)).dials);
  });

  it('never dials for an agent campaign with no agent logged in and working', () => {
    const pacer = trainedPacer({}, 0.2);
    expect(pacer.decide(snapshot([])).dials).toBe(0);
    expect(pacer.decide(snapshot([agent(1, 'paused', 60), agent(2, 'paused', 10)])).dials).toBe(0);
  });

  it('honours every limit on every tick, whatever the settings and the state', () => {
    const r = new Random(42);
    for (let trial = 0; trial < 300; trial++) {
      const settings = {
        maxLinesPerAgent: 1 + Math.floor(r.next() * 5),
        maxConcurrentLines: 1 + Math.floor(r.next() * 200),
        abandonTarget: r.next() * 0.05,
      };
      const pacer = trainedPacer(settings, 0.05 + r.next() * 0.4, 300, trial);
      const n = 1 + Math.floor(r.next() * 60);
      const states: AgentState[] = ['ready', 'on-call', 'wrap-up', 'paused', 'reserved'];
      const agents = Array.from({ length: n }, (_, i) => agent(i, states[Math.floor(r.next() * states.length)]!, r.uniform(0, 400)));
      const calls = Array.from({ length: Math.floor(r.next() * 100) }, (_, i) => ringing(i, r.uniform(0, 25)));
      const capacity = {
        trunkLinesFree: Math.floor(r.next() * 300),
        trunkCallsAllowedNow: Math.floor(r.next() * 50),
        leadsAvailable: Math.floor(r.next() * 500),
      };
      const d = pacer.decide(snapshot(agents, calls, capacity));
      const active = agents.filter((a) => a.state !== 'paused').length;
      expect(d.dials).toBeGreaterThanOrEqual(0);
      expect(d.dials).toBeLessThanOrEqual(capacity.trunkLinesFree);
      expect(d.dials).toBeLessThanOrEqual(capacity.trunkCallsAllowedNow);
      expect(d.dials).toBeLessThanOrEqual(capacity.leadsAvailable);
      expect(d.dials).toBeLessThanOrEqual(Math.max(0, settings.maxConcurrentLines - calls.length));
      expect(calls.length + d.dials).toBeLessThanOrEqual(Math.max(calls.length, settings.maxLinesPerAgent * active));
      if (active === 0) expect(d.dials).toBe(0);
    }
  });

  it('is deterministic: the same inputs give the same decision', () => {
    const a = trainedPacer({}, 0.2).decide(snapshot(busyFloor()));
    const b = trainedPacer({}, 0.2).decide(snapshot(busyFloor()));
    expect(a).toEqual(b);
  });
});

describe('fixed-ratio modes', () => {
  it('progressive keeps one call in flight per ready agent; power keeps its ratio', () => {
    const agents = [agent(1, 'ready', 1), agent(2, 'ready', 1), agent(3, 'ready', 1), agent(4, 'on-call', 30)];
    const calls = [ringing(1, 2)];
    expect(new Pacer(parsePacingSettings({ mode: 'progressive' })).decide(snapshot(agents, calls)).dials).toBe(2);
    expect(new Pacer(parsePacingSettings({ mode: 'power', powerLinesPerAgent: 2.5 })).decide(snapshot(agents, calls)).dials).toBe(6);
    expect(new Pacer(parsePacingSettings({ mode: 'preview' })).decide(snapshot(agents, calls)).dials).toBe(0);
  });
});
