import { describe, expect, it } from 'vitest';
import type { AgentDeskEvent } from '../../src/agents/desk.js';
import { AgentId, AttemptId, E164, LeadId } from '../../src/domain/ids.js';
import type { AttemptRecord } from '../../src/engine/attempt-record.js';
import { parsePacingSettings } from '../../src/pacing/settings.js';
import { Listeners } from '../../src/simulator/listeners.js';
import { SimulatedTime } from '../../src/simulator/event-queue.js';
import type { TelephonyEvent } from '../../src/telephony/port.js';
import { engineOnPort, ScriptedPort } from '../support/scripted-port.js';

function setUp() {
  const time = new SimulatedTime(Date.UTC(2026, 0, 13, 10));
  const port = new ScriptedPort();
  const desk = new Listeners<AgentDeskEvent>();
  const ended: AttemptRecord[] = [];
  const lentEnded: string[] = [];
  let n = 0;
  const engine = engineOnPort({
    port,
    desk,
    scheduler: time,
    settings: parsePacingSettings({ mode: 'progressive' }),
    leads: { available: () => 100, take: () => ({ id: LeadId(String(++n)), number: E164(`+1555000000${n % 10}`) }) },
    observer: { attemptEnded: (a) => ended.push(a), lentCallEnded: (attemptId, agentId) => lentEnded.push(`${attemptId} ${agentId}`) },
  });
  const at = () => time.now();
  const emit = (e: TelephonyEvent) => port.listeners.emit(e);
  /** Agent a1 logs in, and the engine dials for them: the call's attempt. */
  const dialedForA1 = () => {
    desk.emit({ type: 'agent.login', agentId: AgentId('a1'), endpoint: 'PJSIP/a1', at: at() });
    emit({ type: 'agent.leg-up', agentId: AgentId('a1'), at: at() });
    time.runUntil(at() + 1000);
    return port.originated[0]!.attemptId;
  };
  return { time, port, desk, engine, ended, lentEnded, at, emit, dialedForA1 };
}

describe('the engine when an agent leg drops', () => {
  it('puts a person whose connect failed back to waiting: another agent takes them within the deadline', () => {
    const { time, port, desk, at, emit } = setUp();
    const a1 = AgentId('a1'), a2 = AgentId('a2');
    desk.emit({ type: 'agent.login', agentId: a1, endpoint: 'PJSIP/a1', at: at() });
    emit({ type: 'agent.leg-up', agentId: a1, at: at() });
    time.runUntil(at() + 1000);
    const call = port.originated[0]!.attemptId;
    emit({ type: 'call.answered', attemptId: call, at: at(), answeredAt: at(), party: 'human' });
    expect(port.asked).toContain(`connect ${call} a1`);
    // a1's phone fails while being put through; a2 comes free half a second later.
    time.runUntil(at() + 300);
    emit({ type: 'agent.leg-down', agentId: a1, at: at(), cause: { code: 19, text: 'User alerting, no answer' } });
    expect(port.asked).not.toContain(`hangup ${call}`);
    desk.emit({ type: 'agent.login', agentId: a2, endpoint: 'PJSIP/a2', at: at() });
    emit({ type: 'agent.leg-up', agentId: a2, at: at() });
    expect(port.asked).toContain(`connect ${call} a2`);
  });

  it('abandons that person with the message when no agent comes within the deadline counted from the answer', () => {
    const { time, port, desk, ended, at, emit } = setUp();
    const a1 = AgentId('a1');
    desk.emit({ type: 'agent.login', agentId: a1, endpoint: 'PJSIP/a1', at: at() });
    emit({ type: 'agent.leg-up', agentId: a1, at: at() });
    time.runUntil(at() + 1000);
    const call = port.originated[0]!.attemptId;
    const answeredAt = at();
    emit({ type: 'call.answered', attemptId: call, at: answeredAt, answeredAt, party: 'human' });
    time.runUntil(answeredAt + 500);
    emit({ type: 'agent.leg-down', agentId: a1, at: at(), cause: { code: 19, text: 'User alerting, no answer' } });
    time.runUntil(answeredAt + 1999);
    expect(port.asked).not.toContain(`abandon ${call}`);
    time.runUntil(answeredAt + 2000);
    expect(port.asked).toContain(`abandon ${call}`);
    emit({ type: 'call.ended', attemptId: call, at: at(), endedBy: 'system', cause: { code: 16, text: 'Normal Clearing' } });
    expect(ended.find((a) => a.attemptId === call)?.abandoned).toBe(true);
  });

  it('with greeting-end, counts the deadline from the greeting\'s end detection reports, not from its verdict', () => {
    const { time, port, at, emit, dialedForA1 } = setUp();
    const call = dialedForA1();
    // The agent's phone drops while the customer's rings: nobody will be free.
    emit({ type: 'agent.leg-down', agentId: AgentId('a1'), at: at(), cause: { code: 16, text: 'Normal Clearing' } });
    const answeredAt = at();
    // Greeting over 2.2 s after the answer; detection's verdict (HUMAN-800-800) 0.8 s after that.
    time.runUntil(answeredAt + 3000);
    emit({ type: 'call.answered', attemptId: call, at: at(), answeredAt, party: 'human', detection: { status: 'HUMAN', cause: 'HUMAN-800-800' }, greetingEndedAt: answeredAt + 2200 });
    time.runUntil(answeredAt + 2200 + 1999);
    expect(port.asked).not.toContain(`abandon ${call}`);
    // Two seconds from the greeting's end: 1.2 s after the verdict, not 2 s.
    time.runUntil(answeredAt + 2200 + 2000);
    expect(port.asked).toContain(`abandon ${call}`);
  });

  it('frees the agent and puts the person back to waiting when the port says the connect was not made (a crossing that failed)', () => {
    const { time, port, ended, at, emit, dialedForA1 } = setUp();
    const a1 = AgentId('a1');
    const call = dialedForA1();
    const answeredAt = at();
    emit({ type: 'call.answered', attemptId: call, at: answeredAt, answeredAt, party: 'human' });
    expect(port.asked).toContain(`connect ${call} a1`);
    time.runUntil(answeredAt + 300);
    emit({ type: 'call.not-connected', attemptId: call, agentId: a1, at: at(), why: 'the link is down' });
    // a1 is ready again and the person waits: routed to a1 once more (the port decides whether a1 can meet them).
    expect(port.asked.filter((a) => a === `connect ${call} a1`)).toHaveLength(2);
    // Not for a call already put through, nor for another agent than the one asked for.
    emit({ type: 'call.connected', attemptId: call, agentId: a1, at: at() });
    emit({ type: 'call.not-connected', attemptId: call, agentId: a1, at: at(), why: 'late' });
    time.runUntil(answeredAt + 5000);
    expect(port.asked).not.toContain(`abandon ${call}`);
    expect(port.asked.filter((a) => a.startsWith('connect'))).toHaveLength(2);
    expect(ended).toEqual([]);
  });

  it('hangs up a person whose agent vanished mid-conversation', () => {
    const { port, at, emit, dialedForA1 } = setUp();
    const a1 = AgentId('a1');
    const call = dialedForA1();
    emit({ type: 'call.answered', attemptId: call, at: at(), answeredAt: at(), party: 'human' });
    emit({ type: 'call.connected', attemptId: call, agentId: a1, at: at() });
    emit({ type: 'agent.leg-down', agentId: a1, at: at(), cause: { code: 16, text: 'Normal Clearing' } });
    expect(port.asked).toContain(`hangup ${call}`);
  });
});

describe('the engine with a port that opens more agents to calls that waited (a crossing to another PBX)', () => {
  it('routes a waiting call again once it waited long enough to meet more agents', () => {
    const time = new SimulatedTime(Date.UTC(2026, 0, 13, 10));
    const port = new (class extends ScriptedPort {
      readonly meetsMoreAfterMs = 500;
      canMeet(_attemptId: AttemptId, _agentId: AgentId, waitedMs: number) {
        return waitedMs >= 500;
      }
    })();
    const desk = new Listeners<AgentDeskEvent>();
    let n = 0;
    engineOnPort({
      port,
      desk,
      scheduler: time,
      settings: parsePacingSettings({ mode: 'progressive' }),
      leads: { available: () => 100, take: () => ({ id: LeadId(String(++n)), number: E164(`+1555000000${n % 10}`) }) },
    });
    desk.emit({ type: 'agent.login', agentId: AgentId('a1'), endpoint: 'PJSIP/a1', at: time.now() });
    port.listeners.emit({ type: 'agent.leg-up', agentId: AgentId('a1'), at: time.now() });
    time.runUntil(time.now() + 1000);
    const call = port.originated[0]!.attemptId;
    const answeredAt = time.now();
    port.listeners.emit({ type: 'call.answered', attemptId: call, at: answeredAt, answeredAt, party: 'human' });
    time.runUntil(answeredAt + 499);
    expect(port.asked).not.toContain(`connect ${call} a1`);
    // Nothing else happens at 500 ms: the engine routes again by itself.
    time.runUntil(answeredAt + 500);
    expect(port.asked).toContain(`connect ${call} a1`);
  });
});

describe('the engine lending its agents to callers it did not dial (a broadcast key 1)', () => {
  const guest = 'broadcast-call' as AttemptId;
  const cause = { code: 16, text: 'Normal Clearing' };

  it('gives the longest-idle ready agent, follows the call through wrap-up, and has the agent back after the disposition', () => {
    const { time, port, desk, engine, lentEnded, at, emit } = setUp();
    const a1 = AgentId('a1');
    desk.emit({ type: 'agent.login', agentId: a1, endpoint: 'PJSIP/a1', at: at() });
    emit({ type: 'agent.leg-up', agentId: a1, at: at() });
    const given: AgentId[] = [];
    engine.lendAgent(guest, (agentId) => given.push(agentId));
    expect(given).toEqual([a1]);
    // Reserved for the caller: the campaign dials nothing for a1 meanwhile.
    time.runUntil(at() + 5000);
    expect(port.originated).toEqual([]);
    emit({ type: 'call.connected', attemptId: guest, agentId: a1, at: at() });
    emit({ type: 'call.ended', attemptId: guest, at: at(), endedBy: 'customer', cause });
    expect(lentEnded).toEqual([`${guest} a1`]);
    time.runUntil(at() + 5000);
    expect(port.originated).toEqual([]);
    desk.emit({ type: 'agent.wrap-up-done', agentId: a1, attemptId: guest, disposition: 'valid-sale', at: at() });
    time.runUntil(at() + 1000);
    expect(port.originated).toHaveLength(1);
  });

  it('gives an agent who comes free while the caller waits, and none once the request is withdrawn', () => {
    const { desk, engine, at, emit } = setUp();
    const given: string[] = [];
    const withdraw = engine.lendAgent(guest, (agentId) => given.push(`${guest} ${agentId}`));
    const other = 'other-call' as AttemptId;
    engine.lendAgent(other, (agentId) => given.push(`${other} ${agentId}`))();
    expect(given).toEqual([]);
    desk.emit({ type: 'agent.login', agentId: AgentId('a1'), endpoint: 'PJSIP/a1', at: at() });
    emit({ type: 'agent.leg-up', agentId: AgentId('a1'), at: at() });
    expect(given).toEqual([`${guest} a1`]);
    withdraw();
  });

  it('hangs up a lent caller whose agent vanished', () => {
    const { desk, engine, port, at, emit } = setUp();
    const a1 = AgentId('a1');
    desk.emit({ type: 'agent.login', agentId: a1, endpoint: 'PJSIP/a1', at: at() });
    emit({ type: 'agent.leg-up', agentId: a1, at: at() });
    engine.lendAgent(guest, () => undefined);
    emit({ type: 'call.connected', attemptId: guest, agentId: a1, at: at() });
    emit({ type: 'agent.leg-down', agentId: a1, at: at(), cause });
    expect(port.asked).toContain(`hangup ${guest}`);
  });

  it('has the agent back at once when the caller leaves before being put through', () => {
    const { time, port, desk, engine, lentEnded, at, emit } = setUp();
    const a1 = AgentId('a1');
    desk.emit({ type: 'agent.login', agentId: a1, endpoint: 'PJSIP/a1', at: at() });
    emit({ type: 'agent.leg-up', agentId: a1, at: at() });
    engine.lendAgent(guest, () => undefined);
    emit({ type: 'call.ended', attemptId: guest, at: at(), endedBy: 'customer', cause });
    expect(lentEnded).toEqual([]);
    time.runUntil(at() + 1000);
    expect(port.originated).toHaveLength(1);
  });
});
