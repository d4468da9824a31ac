import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/simulator/scenario.js';
import { prepareShift, runShift } from '../../src/simulator/run-shift.js';
import { Population } from '../../src/simulator/population.js';
import type { AttemptRecord } from '../../src/engine/attempt-record.js';
import type { AgentId } from '../../src/domain/ids.js';
import type { AgentState } from '../../src/pacing/snapshot.js';

const scenario = parseScenario({
  name: 'small',
  agents: 10,
  outcomes: { live: 0.25 },
  talkSec: { mean: 90, sd: 45 },
  wrapUpSec: { mean: 10, sd: 3, shape: 'gamma' },
  agentBehaviour: { loginSpreadMin: 2, breaks: [{ atHour: 0.5, minutes: 10, jitterMin: 5 }] },
});

describe('the simulator', () => {
  it('is deterministic for a seed, and seeds differ', () => {
    const a = runShift({ scenario, seed: 11, hours: 1, settings: { mode: 'predictive' } });
    const b = runShift({ scenario, seed: 11, hours: 1, settings: { mode: 'predictive' } });
    const c = runShift({ scenario, seed: 12, hours: 1, settings: { mode: 'predictive' } });
    expect(a).toEqual(b);
    expect(c.attempts).not.toBe(a.attempts);
  });

  it('draws outcomes in the scenario’s shares, and follows a change in answer rate', () => {
    const changing = parseScenario({ ...scenario, changes: [{ atHour: 1, outcomes: { live: 0.05 } }] });
    const pop = new Population(changing, 1, 0);
    const share = (at: number) => {
      let live = 0;
      for (let i = 0; i < 20_000; i++) if (pop.profile(pop.take(), at).reached === 'live') live++;
      return live / 20_000;
    };
    expect(Math.abs(share(0) - 0.25)).toBeLessThan(0.015);
    expect(Math.abs(share(2 * 3600_000) - 0.05)).toBeLessThan(0.01);
  });

  it('rejects a scenario with a clear message', () => {
    expect(() => parseScenario({ name: 'x', agents: 0, outcomes: { live: 0.9, machine: 0.5 } }, 'bad.json')).toThrow(
      /bad\.json is not a valid scenario[\s\S]*agents[\s\S]*outcome shares/,
    );
  });
});

describe('the engine on a simulated shift', () => {
  for (const mode of ['progressive', 'power', 'predictive'] as const) {
    it(`${mode}: every live answer is connected within the deadline or abandoned, no agent holds two calls`, () => {
      const attempts: AttemptRecord[] = [];
      const agentStates = new Map<AgentId, AgentState>();
      let overlap = 0;
      const shift = prepareShift({
        scenario,
        seed: 5,
        hours: 1.5,
        settings: { mode },
        extraObserver: {
          attemptEnded: (a) => attempts.push(a),
          agentState: (id, _from, to) => {
            if (to === 'reserved' && agentStates.get(id) !== 'ready') overlap++;
            agentStates.set(id, to);
          },
        },
      });
      const result = shift.finish();
      expect(overlap).toBe(0);
      const live = attempts.filter((a) => a.readyAt !== undefined);
      expect(live.length).toBeGreaterThan(50);
      for (const a of live) {
        if (a.connectedAt !== undefined) {
          expect(a.abandoned).toBe(false);
          expect(a.connectedAt - a.readyAt!).toBeLessThanOrEqual(2000 + 500); // connect is asked within 2 s; the bridge takes 0.15 s
        } else {
          expect(a.abandoned).toBe(true);
        }
      }
      expect(result.abandoned).toBe(live.filter((a) => a.abandoned).length);
      for (const a of attempts) {
        expect(a.endedAt).toBeGreaterThanOrEqual(a.originatedAt);
        expect(a.cause.code).toBeGreaterThanOrEqual(0);
      }
      if (mode === 'progressive') expect(result.abandonRate).toBeLessThan(0.02);
    });
  }
});

describe('stopping the engine', () => {
  it('stops dialing but follows the calls in flight to their end', async () => {
    const shift = prepareShift({ scenario, seed: 3, hours: 2, settings: { mode: 'predictive' } });
    shift.runUntil(shift.start + 30 * 60_000);
    expect(shift.engine.callsInFlight).toBeGreaterThan(0);
    shift.engine.stopDialing();
    const idle = shift.engine.whenIdle();
    let settled = false;
    void idle.then(() => { settled = true; });
    shift.runUntil(shift.end);
    await idle;
    expect(settled).toBe(true);
    expect(shift.engine.callsInFlight).toBe(0);
  });
});
