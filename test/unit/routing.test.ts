import { describe, expect, it } from 'vitest';
import { route } from '../../src/pacing/routing.js';
import { AgentId, AttemptId } from '../../src/domain/ids.js';

describe('route', () => {
  it('gives the longest-waiting person to the longest-idle agent', () => {
    const d = route(
      [{ attemptId: AttemptId('b'), readyAt: 2000 }, { attemptId: AttemptId('a'), readyAt: 1000 }],
      [{ id: AgentId('late'), readySince: 500 }, { id: AgentId('early'), readySince: 100 }],
      2500,
      2000,
    );
    expect(d.connect).toEqual([
      { attemptId: 'a', agentId: 'early' },
      { attemptId: 'b', agentId: 'late' },
    ]);
    expect(d.abandon).toEqual([]);
  });

  it('abandons a person no agent took within the connect deadline, even if an agent is free now', () => {
    const d = route([{ attemptId: AttemptId('x'), readyAt: 0 }], [{ id: AgentId('a1'), readySince: 0 }], 2000, 2000);
    expect(d.abandon).toEqual(['x']);
    expect(d.connect).toEqual([]);
  });

  it('leaves people waiting when no agent is ready and the deadline has not passed', () => {
    const d = route([{ attemptId: AttemptId('x'), readyAt: 0 }], [], 1500, 2000);
    expect(d).toEqual({ connect: [], abandon: [] });
  });

  it('puts a person through only to an agent they can meet (agents on several PBXs), the longest idle of those', () => {
    const onPbx2 = new Set(['b1', 'b2', 'y']);
    const d = route(
      [{ attemptId: AttemptId('x'), readyAt: 1000 }, { attemptId: AttemptId('y'), readyAt: 1100 }],
      [{ id: AgentId('a1'), readySince: 100 }, { id: AgentId('b1'), readySince: 300 }, { id: AgentId('b2'), readySince: 200 }],
      1500,
      2000,
      (attemptId, agentId) => onPbx2.has(attemptId) === onPbx2.has(agentId),
    );
    expect(d.connect).toEqual([
      { attemptId: 'x', agentId: 'a1' },
      { attemptId: 'y', agentId: 'b2' },
    ]);
  });

  it('tells canMeet how long each person has waited: a port may open more agents to those who waited longer', () => {
    // Agent b1 (another PBX) may take a person who waited 500 ms or more; a1 takes anyone.
    const seen: number[] = [];
    const d = route(
      [{ attemptId: AttemptId('early'), readyAt: 900 }, { attemptId: AttemptId('late'), readyAt: 1200 }],
      [{ id: AgentId('b1'), readySince: 100 }],
      1500,
      2000,
      (_attemptId, agentId, waitedMs) => {
        seen.push(waitedMs);
        return agentId === 'a1' || waitedMs >= 500;
      },
    );
    expect(d.connect).toEqual([{ attemptId: 'early', agentId: 'b1' }]);
    expect(seen).toEqual([600]);
  });
});
