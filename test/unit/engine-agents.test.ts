import { describe, expect, it } from 'vitest';
import { AgentBoard, type AgentStateChange } from '../../src/agents/agent-board.js';
import type { AgentDeskEvent } from '../../src/agents/desk.js';
import type { GiveBackReason, Lead, LeadSource } from '../../src/campaigns/lead-source.js';
import { AgentId, AttemptId, CampaignId, E164, LeadId, TrunkId } from '../../src/domain/ids.js';
import type { AdoptedCall, EngineObserver } from '../../src/engine/campaign-engine.js';
import { parsePacingSettings, type PacingSettings } from '../../src/pacing/settings.js';
import { SimulatedTime } from '../../src/simulator/event-queue.js';
import { Listeners } from '../../src/simulator/listeners.js';
import type { CallControl, TelephonyEvent } from '../../src/telephony/port.js';
import type { AttemptRecord } from '../../src/engine/attempt-record.js';
import { engineOnPort, ScriptedPort } from '../support/scripted-port.js';

const ALICE = AgentId('alice');
const BOB = AgentId('bob');
const NORMAL_CLEARING = { code: 16, text: 'Normal Clearing' };

/** Leads numbered from 1; a lead given back is remembered with why. */
class TestLeads implements LeadSource {
  private n = 0;
  readonly givenBack: { lead: Lead; why: GiveBackReason; agentId: AgentId }[] = [];
  /** Leads only the named agent should have (their callbacks). */
  readonly forAgent = new Map<AgentId, Lead[]>();
  constructor(private readonly prefix: string, private left = 100) {}
  available() { return this.left; }
  take(): Lead | undefined {
    if (this.left === 0) return undefined;
    this.left--;
    this.n++;
    return { id: LeadId(`${this.prefix}${this.n}`), number: E164(`+1555000${String(this.n).padStart(4, '0')}`) };
  }
  takeFor(agentId: AgentId): Lead | undefined {
    return this.forAgent.get(agentId)?.shift();
  }
  giveBack(lead: Lead, why: GiveBackReason, agentId: AgentId) {
    this.givenBack.push({ lead, why, agentId });
  }
}

function world() {
  const time = new SimulatedTime(Date.UTC(2026, 0, 13, 10));
  const port = new ScriptedPort();
  const desk = new Listeners<AgentDeskEvent>();
  const board = new AgentBoard();
  const changes: AgentStateChange[] = [];
  board.subscribe((c) => changes.push(c));
  const at = () => time.now();
  const emit = (e: TelephonyEvent) => port.listeners.emit(e);
  const campaign = (id: string, settings: Partial<PacingSettings>, observer: EngineObserver = {}, started = true) => {
    const leads = new TestLeads(`${id}-`);
    const engine = engineOnPort({ port, desk, scheduler: time, leads, settings: parsePacingSettings(settings), campaignId: id, observer, board, started });
    return { engine, leads };
  };
  const login = (agentId: AgentId, campaigns?: string[]) => {
    desk.emit({ type: 'agent.login', agentId, endpoint: `PJSIP/${agentId}`, campaigns: campaigns?.map(CampaignId), at: at() });
    emit({ type: 'agent.leg-up', agentId, at: at() });
  };
  const lastCall = () => port.originated.at(-1)!.attemptId;
  const answer = (attemptId: AttemptId) => emit({ type: 'call.answered', attemptId, at: at(), answeredAt: at(), party: 'human' });
  const connectAndEnd = (attemptId: AttemptId, agentId: AgentId) => {
    emit({ type: 'call.connected', attemptId, agentId, at: at() });
    emit({ type: 'call.ended', attemptId, at: at(), endedBy: 'customer', cause: NORMAL_CLEARING });
  };
  const stateOf = (agentId: AgentId) => changes.filter((c) => c.agentId === agentId).at(-1)?.to;
  return { time, port, desk, board, changes, at, emit, campaign, login, lastCall, answer, connectAndEnd, stateOf };
}

describe('wrap-up timeout', () => {
  it('ends a wrap-up the agent leaves open with the system disposition, and says when it will lapse', () => {
    const w = world();
    const lapsed: { agentId: AgentId; attemptId: AttemptId }[] = [];
    w.campaign('c', { mode: 'progressive', wrapUpTimeoutSec: 45 }, { wrapUpLapsed: (agentId, attemptId) => lapsed.push({ agentId, attemptId }) });
    w.login(ALICE);
    w.time.runUntil(w.at() + 1000);
    const call = w.lastCall();
    w.answer(call);
    w.connectAndEnd(call, ALICE);
    const wrapUpAt = w.at();
    expect(w.changes.at(-1)).toMatchObject({ to: 'wrap-up', attemptId: call, deadline: wrapUpAt + 45_000, campaigns: ['c'] });
    w.time.runUntil(wrapUpAt + 44_999);
    expect(lapsed).toEqual([]);
    w.time.runUntil(wrapUpAt + 45_000);
    expect(lapsed).toEqual([{ agentId: ALICE, attemptId: call }]);
    expect(w.changes.find((c) => c.from === 'wrap-up')).toMatchObject({ to: 'ready', reason: 'wrap-up-timeout', at: wrapUpAt + 45_000 });
  });

  it('never lapses when the agent dispositions in time, nor when the campaign sets no timeout', () => {
    for (const wrapUpTimeoutSec of [45, 0]) {
      const w = world();
      const lapsed: AttemptId[] = [];
      w.campaign('c', { mode: 'progressive', wrapUpTimeoutSec }, { wrapUpLapsed: (_a, attemptId) => lapsed.push(attemptId) });
      w.login(ALICE);
      w.time.runUntil(w.at() + 1000);
      const call = w.lastCall();
      w.answer(call);
      w.connectAndEnd(call, ALICE);
      if (wrapUpTimeoutSec > 0) w.desk.emit({ type: 'agent.wrap-up-done', agentId: ALICE, attemptId: call, disposition: 'valid-sale', at: w.at() + 10_000 });
      w.time.runUntil(w.at() + 3_600_000);
      expect(lapsed).toEqual([]);
      if (wrapUpTimeoutSec === 0) expect(w.changes.at(-1)).toMatchObject({ to: 'wrap-up', deadline: undefined });
    }
  });
});

describe('preview mode', () => {
  it('offers the next lead to the longest-idle agent; a skip gives it back and offers the next', () => {
    const w = world();
    const { leads } = w.campaign('c', { mode: 'preview' });
    w.login(ALICE);
    w.time.runUntil(w.at() + 500);
    w.login(BOB);
    w.time.runUntil(w.at() + 1000);
    expect(w.port.originated).toEqual([]);
    const offers = w.changes.filter((c) => c.reason === 'preview');
    expect(offers.map((c) => [c.agentId, c.leadId])).toEqual([[ALICE, 'c-1'], [BOB, 'c-2']]);
    w.desk.emit({ type: 'agent.preview-skip', agentId: ALICE, leadId: LeadId('c-1'), at: w.at() });
    expect(leads.givenBack).toMatchObject([{ lead: { id: 'c-1' }, why: 'skipped', agentId: ALICE }]);
    w.time.runUntil(w.at() + 1000);
    expect(w.changes.filter((c) => c.reason === 'preview').at(-1)).toMatchObject({ agentId: ALICE, leadId: 'c-3' });
    expect(w.port.originated).toEqual([]);
  });

  it('dials the lead the agent chose and puts whoever answers through to them, never abandoned', () => {
    const w = world();
    w.campaign('c', { mode: 'preview', connectDeadlineSec: 2 });
    w.login(ALICE);
    w.time.runUntil(w.at() + 1000);
    w.desk.emit({ type: 'agent.preview-dial', agentId: ALICE, leadId: LeadId('c-1'), at: w.at() });
    expect(w.port.originated.map((o) => o.leadId)).toEqual(['c-1']);
    const call = w.lastCall();
    w.time.runUntil(w.at() + 20_000);
    w.answer(call);
    w.time.runUntil(w.at() + 5_000);
    expect(w.port.asked).toContain(`connect ${call} alice`);
    expect(w.port.asked).not.toContain(`abandon ${call}`);
    expect(w.stateOf(ALICE)).toBe('reserved');
  });

  it('frees the agent for the next offer when the chosen call is not answered', () => {
    const w = world();
    w.campaign('c', { mode: 'preview' });
    w.login(ALICE);
    w.time.runUntil(w.at() + 1000);
    w.desk.emit({ type: 'agent.preview-dial', agentId: ALICE, leadId: LeadId('c-1'), at: w.at() });
    w.emit({ type: 'call.failed', attemptId: w.lastCall(), at: w.at(), outcome: 'no-answer', cause: { code: 19, text: 'No answer' } });
    w.time.runUntil(w.at() + 1000);
    expect(w.changes.filter((c) => c.reason === 'preview').map((c) => c.leadId)).toEqual(['c-1', 'c-2']);
  });

  it('takes back an offer left unanswered for the campaign\'s time and pauses the absent agent', () => {
    const w = world();
    const { leads } = w.campaign('c', { mode: 'preview', previewTimeoutSec: 30 });
    w.login(ALICE);
    w.time.runUntil(w.at() + 1000);
    const offeredAt = w.changes.find((c) => c.reason === 'preview')!.at;
    w.time.runUntil(offeredAt + 29_999);
    expect(leads.givenBack).toEqual([]);
    w.time.runUntil(offeredAt + 30_000);
    expect(leads.givenBack).toMatchObject([{ lead: { id: 'c-1' }, why: 'offer-lapsed' }]);
    expect(w.changes.at(-1)).toMatchObject({ agentId: ALICE, to: 'paused', reason: 'preview-timeout' });
    // A dial sent too late is for a lead no longer offered.
    w.desk.emit({ type: 'agent.preview-dial', agentId: ALICE, leadId: LeadId('c-1'), at: w.at() });
    expect(w.port.originated).toEqual([]);
  });
});

describe('agents over two campaigns of one process', () => {
  it('brings the agent\'s leg up once, dials for them in one campaign at a time, taking turns', () => {
    const w = world();
    w.campaign('a', { mode: 'progressive' });
    w.campaign('b', { mode: 'progressive' });
    w.login(ALICE);
    expect(w.port.asked.filter((x) => x === 'login alice')).toHaveLength(1);
    expect(w.stateOf(ALICE)).toBe('ready');
    w.time.runUntil(w.at() + 1000);
    // Two pacers dialing for one person would make two live answers for her, one abandoned.
    expect(w.port.originated.map((o) => o.campaignId)).toEqual(['a']);
    const callA = w.lastCall();
    w.answer(callA);
    w.connectAndEnd(callA, ALICE);
    w.desk.emit({ type: 'agent.wrap-up-done', agentId: ALICE, attemptId: callA, disposition: 'valid-sale', at: w.at() });
    expect(w.changes.at(-1)).toMatchObject({ to: 'ready', campaigns: ['a', 'b'] });
    w.time.runUntil(w.at() + 1000);
    expect(w.port.originated.map((o) => o.campaignId)).toEqual(['a', 'b']);
  });

  it('never gives one person two calls when both campaigns have a caller waiting for her', () => {
    const w = world();
    w.campaign('a', { mode: 'progressive', connectDeadlineSec: 10 });
    w.campaign('b', { mode: 'progressive', connectDeadlineSec: 10 });
    w.login(ALICE);
    w.login(BOB, ['b']);
    w.time.runUntil(w.at() + 1000);
    const [callA, callB] = w.port.originated.map((o) => o.attemptId);
    expect(w.port.originated.map((o) => o.campaignId)).toEqual(['a', 'b']);
    // Bob leaves for a break: b's caller can only have alice, whom a's caller takes first.
    w.desk.emit({ type: 'agent.pause', agentId: BOB, reason: 'break', at: w.at() });
    w.answer(callA!);
    w.answer(callB!);
    expect(w.port.asked.filter((x) => x.startsWith('connect'))).toEqual([`connect ${callA} alice`]);
    expect(w.changes.at(-1)).toMatchObject({ agentId: ALICE, to: 'reserved', campaigns: ['a'] });
    // a's caller hangs up while being put through: alice is free, and b puts its caller through to her at once.
    w.emit({ type: 'call.ended', attemptId: callA!, at: w.at(), endedBy: 'customer', cause: NORMAL_CLEARING });
    expect(w.port.asked.filter((x) => x.startsWith('connect'))).toEqual([`connect ${callA} alice`, `connect ${callB} alice`]);
  });

  it('logs the agent in to the campaigns they name only, and tears the leg down when they leave the last', () => {
    const w = world();
    w.campaign('a', { mode: 'progressive' });
    w.campaign('b', { mode: 'progressive' });
    w.login(ALICE, ['b']);
    w.time.runUntil(w.at() + 1000);
    expect(w.port.originated.map((o) => o.campaignId)).toEqual(['b']);
    expect(w.board.stateIn(ALICE, CampaignId('a'))).toBeUndefined();
    w.login(BOB);
    w.desk.emit({ type: 'agent.logout', agentId: BOB, at: w.at() });
    expect(w.port.asked.filter((x) => x === 'logout bob')).toHaveLength(1);
  });
});

describe('calls an agent chose', () => {
  it('dials a callback promised by the agent when they are ready, and puts it through to them', () => {
    const w = world();
    const { leads } = w.campaign('c', { mode: 'predictive' });
    leads.forAgent.set(BOB, [{ id: LeadId('promised'), number: E164('+15559990000') }]);
    w.login(ALICE);
    w.login(BOB);
    w.time.runUntil(w.at() + 1000);
    const callback = w.port.originated.find((o) => o.leadId === 'promised')!;
    expect(w.changes.find((c) => c.agentId === BOB && c.to === 'reserved')).toMatchObject({ reason: 'callback', leadId: 'promised' });
    w.answer(callback.attemptId);
    expect(w.port.asked).toContain(`connect ${callback.attemptId} bob`);
  });

  it('refuses a hand dial for an agent who is not ready and gives the lead back', () => {
    const w = world();
    const refused: string[] = [];
    const { leads } = w.campaign('c', { mode: 'preview' }, { dialRefused: (_a, _l, why) => refused.push(why) });
    w.login(ALICE);
    w.desk.emit({ type: 'agent.pause', agentId: ALICE, reason: 'break', at: w.at() });
    const lead = { id: LeadId('hand'), number: E164('+15559990001') };
    w.desk.emit({ type: 'agent.manual-dial', agentId: ALICE, campaignId: CampaignId('c'), lead, at: w.at() });
    expect(refused).toEqual(['the agent is not ready in this campaign']);
    expect(leads.givenBack).toMatchObject([{ lead, why: 'not-dialed' }]);
    w.desk.emit({ type: 'agent.resume', agentId: ALICE, at: w.at() });
    w.desk.emit({ type: 'agent.manual-dial', agentId: ALICE, campaignId: CampaignId('c'), lead, at: w.at() });
    expect(w.port.originated.map((o) => o.leadId)).toEqual(['hand']);
  });

  it('takes an agent whose leg drops out of ready at once: no call is put through to them', () => {
    const w = world();
    w.campaign('c', { mode: 'progressive' });
    w.login(ALICE);
    w.time.runUntil(w.at() + 1000);
    w.emit({ type: 'agent.leg-down', agentId: ALICE, at: w.at(), cause: { code: 0, text: 'Agent endpoint unreachable' } });
    expect(w.stateOf(ALICE)).toBe('logged-out');
    w.answer(w.lastCall());
    expect(w.port.asked.filter((x) => x.startsWith('connect'))).toEqual([]);
  });

  it('keeps an agent whose PBX is out of reach logged in, out of ready, and makes them ready when their leg is back', () => {
    const w = world();
    w.campaign('c', { mode: 'progressive' });
    w.login(ALICE);
    w.time.runUntil(w.at() + 1000);
    w.emit({ type: 'agent.leg-down', agentId: ALICE, at: w.at(), cause: { code: 0, text: 'Asterisk server pbx1 out of reach' }, returning: true });
    expect(w.changes.at(-1)).toMatchObject({ agentId: ALICE, to: 'logged-out', reason: expect.stringMatching(/line to your softphone was lost \(Asterisk server pbx1 out of reach\)/) });
    w.answer(w.lastCall());
    expect(w.port.asked.filter((x) => x.startsWith('connect'))).toEqual([]);
    // A resume asked meanwhile does not make them ready without a leg.
    w.desk.emit({ type: 'agent.resume', agentId: ALICE, at: w.at() });
    expect(w.stateOf(ALICE)).toBe('logged-out');
    const before = w.changes.length;
    w.emit({ type: 'agent.leg-up', agentId: ALICE, at: w.at() });
    // Ready, and at once reserved for the next progressive dial.
    expect(w.changes.slice(before).map((c) => c.to)).toEqual(['ready', 'reserved']);
  });

  it('leaves a pause the agent chose in place when their PBX comes back', () => {
    const w = world();
    w.campaign('c', { mode: 'progressive' });
    w.login(ALICE);
    w.desk.emit({ type: 'agent.pause', agentId: ALICE, reason: 'break', at: w.at() });
    w.emit({ type: 'agent.leg-down', agentId: ALICE, at: w.at(), cause: { code: 0, text: 'out of reach' }, returning: true });
    w.emit({ type: 'agent.leg-up', agentId: ALICE, at: w.at() });
    expect(w.stateOf(ALICE)).toBe('paused');
  });
});

describe('a trunk down', () => {
  it('is not counted: the campaign dials nothing and says why, offers no lead, and dials again once it is back', () => {
    const w = world();
    const limits: (string | null)[] = [];
    w.campaign('c', { mode: 'progressive' }, { decision: (d) => limits.push(d.dials === 0 ? d.limitedBy : null) });
    w.emit({ type: 'trunk.down', trunk: TrunkId('t'), at: w.at(), why: 'its endpoint PJSIP/t is offline' });
    // Another campaign's trunk coming back is not this one's.
    w.emit({ type: 'trunk.up', trunk: TrunkId('other'), at: w.at() });
    w.login(ALICE);
    w.time.runUntil(w.at() + 5000);
    expect(w.port.originated).toEqual([]);
    expect(limits.at(-1)).toBe('trunk-down');
    w.emit({ type: 'trunk.up', trunk: TrunkId('t'), at: w.at() });
    w.time.runUntil(w.at() + 1000);
    expect(w.port.originated).toHaveLength(1);
  });
});

describe('a leg lost through no doing of the agent (Asterisk restarted, the softphone unregistered)', () => {
  const LOST = { code: 0, text: 'Unknown' };

  it('takes the agent out of ready at once, still logged in, says why, and makes them ready when the leg is back', () => {
    const w = world();
    w.campaign('c', { mode: 'progressive' });
    w.login(ALICE);
    w.emit({ type: 'agent.leg-down', agentId: ALICE, at: w.at(), cause: LOST, returning: true });
    expect(w.changes.at(-1)).toMatchObject({ to: 'logged-out', reason: expect.stringMatching(/line to your softphone was lost \(Unknown\): it is rung again/) });
    w.time.runUntil(w.at() + 5000);
    expect(w.port.originated).toEqual([]);
    // No new login: the port's leg-up is enough.
    w.emit({ type: 'agent.leg-up', agentId: ALICE, at: w.at() });
    expect(w.stateOf(ALICE)).toBe('ready');
    w.time.runUntil(w.at() + 1000);
    w.answer(w.lastCall());
    expect(w.port.asked.filter((x) => x.startsWith('connect'))).toHaveLength(1);
  });

  it('lets an agent on a call wrap it up, then waits for the leg before making them ready', () => {
    const w = world();
    w.campaign('c', { mode: 'progressive' });
    w.login(ALICE);
    w.time.runUntil(w.at() + 1000);
    const call = w.lastCall();
    w.answer(call);
    w.emit({ type: 'call.connected', attemptId: call, agentId: ALICE, at: w.at() });
    w.emit({ type: 'agent.leg-down', agentId: ALICE, at: w.at(), cause: LOST, returning: true });
    expect(w.port.asked).toContain(`hangup ${call}`);
    w.emit({ type: 'call.ended', attemptId: call, at: w.at(), endedBy: 'agent', cause: LOST });
    expect(w.stateOf(ALICE)).toBe('wrap-up');
    w.desk.emit({ type: 'agent.wrap-up-done', agentId: ALICE, attemptId: call, disposition: 'valid-sale', at: w.at() });
    expect(w.stateOf(ALICE)).toBe('logged-out');
    w.emit({ type: 'agent.leg-up', agentId: ALICE, at: w.at() });
    expect(w.stateOf(ALICE)).toBe('ready');
  });

  it('keeps a pause asked for, and ends the login when the softphone does not answer the leg brought back', () => {
    const w = world();
    w.campaign('c', { mode: 'progressive' });
    w.login(ALICE);
    w.desk.emit({ type: 'agent.pause', agentId: ALICE, reason: 'break', at: w.at() });
    w.emit({ type: 'agent.leg-down', agentId: ALICE, at: w.at(), cause: LOST, returning: true });
    w.emit({ type: 'agent.leg-up', agentId: ALICE, at: w.at() });
    expect(w.changes.at(-1)).toMatchObject({ to: 'paused', reason: 'break' });
    w.emit({ type: 'agent.leg-down', agentId: ALICE, at: w.at(), cause: LOST, returning: true });
    w.emit({ type: 'agent.leg-down', agentId: ALICE, at: w.at(), cause: { code: 19, text: 'User alerting, no answer' } });
    expect(w.changes.at(-1)).toMatchObject({ to: 'logged-out', reason: expect.stringMatching(/did not answer .*: log in again/) });
    w.emit({ type: 'agent.leg-up', agentId: ALICE, at: w.at() });
    expect(w.stateOf(ALICE)).toBe('logged-out');
  });
});

describe('calls taken over from a lost engine', () => {
  const adopted = (attemptId: string, left: AdoptedCall['left']): AdoptedCall => ({
    attemptId: AttemptId(attemptId),
    lead: { id: LeadId(`lead-${attemptId}`), number: E164('+15550009999') },
    originatedAt: Date.UTC(2026, 0, 13, 9, 59),
    left,
  });

  it('puts the agent back on the call they were talking on: no second customer while it lasts, then wrap-up', () => {
    const w = world();
    const { engine } = w.campaign('c', { mode: 'progressive' });
    engine.adopt([adopted('talking', { phase: 'connected', agentId: ALICE })]);
    w.login(ALICE);
    expect(w.stateOf(ALICE)).toBe('on-call');
    w.time.runUntil(w.at() + 10_000);
    expect(w.port.originated).toEqual([]);
    w.emit({ type: 'call.ended', attemptId: AttemptId('talking'), at: w.at(), endedBy: 'customer', cause: NORMAL_CLEARING });
    expect(w.changes.at(-1)).toMatchObject({ agentId: ALICE, to: 'wrap-up', attemptId: 'talking' });
  });

  it('gives the call the system disposition when its agent is not back by its end', () => {
    const w = world();
    const lapsed: AttemptId[] = [];
    const ended: string[] = [];
    const { engine } = w.campaign('c', { mode: 'progressive' }, { wrapUpLapsed: (_agent, attemptId) => lapsed.push(attemptId), attemptEnded: (a) => ended.push(`${a.outcome}:${a.agentId}`) });
    engine.adopt([adopted('talking', { phase: 'connected', agentId: BOB })]);
    w.emit({ type: 'call.ended', attemptId: AttemptId('talking'), at: w.at(), endedBy: 'customer', cause: NORMAL_CLEARING });
    expect(ended).toEqual(['live:bob']);
    expect(lapsed).toEqual(['talking']);
  });

  it('hears the end of an adopted call that comes before the engine starts (the takeover still closing the others)', () => {
    const w = world();
    const ended: string[] = [];
    const { engine } = w.campaign('c', { mode: 'progressive' }, { attemptEnded: (a) => ended.push(a.attemptId) }, false);
    engine.adopt([adopted('waiting', { phase: 'answered' })]);
    w.emit({ type: 'call.ended', attemptId: AttemptId('waiting'), at: w.at(), endedBy: 'customer', cause: NORMAL_CLEARING });
    engine.start();
    expect(ended).toEqual(['waiting']);
    expect(engine.callsInFlight).toBe(0);
  });

  it('plays the abandon message at once to a person left waiting, counted as an abandon', () => {
    const w = world();
    const ended: boolean[] = [];
    const { engine } = w.campaign('c', { mode: 'progressive' }, { attemptEnded: (a) => ended.push(a.abandoned) });
    w.login(ALICE);
    engine.adopt([adopted('waiting', { phase: 'answered' })]);
    expect(w.port.asked).toContain('abandon waiting');
    w.emit({ type: 'call.ended', attemptId: AttemptId('waiting'), at: w.at(), endedBy: 'system', cause: NORMAL_CLEARING });
    expect(ended).toEqual([true]);
  });
});

describe('call controls in the engine', () => {
  /** Alice on a call of campaign c, Bob ready beside her. */
  function onCall() {
    const w = world();
    const ended: AttemptRecord[] = [];
    const { engine } = w.campaign('c', { mode: 'progressive' }, { attemptEnded: (r) => ended.push(r) });
    w.login(ALICE);
    w.time.runUntil(w.at() + 1000);
    const attemptId = w.lastCall();
    w.answer(attemptId);
    w.emit({ type: 'call.connected', attemptId, agentId: ALICE, at: w.at() });
    w.login(BOB);
    const verdicts: unknown[] = [];
    const control = (agentId: AgentId, c: CallControl) =>
      w.desk.emit({ type: 'agent.control', agentId, attemptId, control: c, at: w.at(), reply: (v) => verdicts.push(v) });
    const done = (c: CallControl, extra: Partial<Extract<TelephonyEvent, { type: 'call.control' }>> = {}) =>
      w.emit({ type: 'call.control', attemptId, agentId: ALICE, control: c, at: w.at(), ...extra });
    return { ...w, engine, attemptId, verdicts, control, done, ended };
  }

  it('decides each control at once, asks the port, and refuses with why what the call does not allow', () => {
    const w = onCall();
    w.control(ALICE, { kind: 'hold' });
    w.control(ALICE, { kind: 'hold' });
    w.control(BOB, { kind: 'hold' });
    expect(w.verdicts).toEqual([{ accepted: true }, { refused: 'the customer is already on hold' }]);
    expect(w.port.asked.filter((a) => a.startsWith('hold'))).toEqual([`hold ${w.attemptId} alice`]);
    w.control(ALICE, { kind: 'transfer', to: { agentId: AgentId('nobody') } });
    expect(w.verdicts.at(-1)).toEqual({ refused: 'agent nobody is not logged in to this campaign' });
  });

  it('a consulted agent is reserved, and free again when the customer hangs up meanwhile', () => {
    const w = onCall();
    w.control(ALICE, { kind: 'consult', to: { agentId: BOB } });
    expect(w.stateOf(BOB)).toBe('reserved');
    w.emit({ type: 'call.ended', attemptId: w.attemptId, at: w.at(), endedBy: 'customer', cause: NORMAL_CLEARING });
    expect(w.stateOf(BOB)).toBe('ready');
    expect(w.stateOf(ALICE)).toBe('wrap-up');
  });

  it('a completed transfer to another agent makes the call theirs; the first agent is ready again', () => {
    const w = onCall();
    w.control(ALICE, { kind: 'consult', to: { agentId: BOB } });
    w.done({ kind: 'consult', to: { agentId: BOB } }, { target: { agentId: BOB } });
    w.control(ALICE, { kind: 'complete' });
    w.done({ kind: 'complete' }, { target: { agentId: BOB } });
    expect(w.changes.filter((c) => c.agentId === ALICE).at(-1)).toMatchObject({ to: 'ready', reason: 'transferred' });
    expect(w.stateOf(BOB)).toBe('on-call');
    w.emit({ type: 'call.ended', attemptId: w.attemptId, at: w.at(), endedBy: 'agent', cause: NORMAL_CLEARING });
    expect(w.stateOf(BOB)).toBe('wrap-up');
    expect(w.ended.at(-1)).toMatchObject({ attemptId: w.attemptId, agentId: BOB });
  });

  it('a transfer to a number outside sends the agent to wrap-up at once; the call ends later without touching them', () => {
    const w = onCall();
    const outside = { number: E164('+12125550123') };
    w.control(ALICE, { kind: 'transfer', to: outside });
    w.done({ kind: 'transfer', to: outside }, { target: outside });
    expect(w.stateOf(ALICE)).toBe('wrap-up');
    w.desk.emit({ type: 'agent.wrap-up-done', agentId: ALICE, attemptId: w.attemptId, disposition: 'valid-sale', at: w.at() });
    expect(w.stateOf(ALICE)).toBe('ready');
    w.emit({ type: 'call.ended', attemptId: w.attemptId, at: w.at(), endedBy: 'customer', cause: NORMAL_CLEARING });
    expect(w.stateOf(ALICE)).toBe('ready');
    expect(w.ended.at(-1)).toMatchObject({ attemptId: w.attemptId, agentId: ALICE, outcome: 'live' });
  });

  it('a failed blind transfer to another agent lets them go and leaves the call with its agent', () => {
    const w = onCall();
    w.control(ALICE, { kind: 'transfer', to: { agentId: BOB } });
    expect(w.stateOf(BOB)).toBe('reserved');
    w.done({ kind: 'transfer', to: { agentId: BOB } }, { failed: 'agent bob has no leg up' });
    expect(w.stateOf(BOB)).toBe('ready');
    w.control(ALICE, { kind: 'hold' });
    expect(w.verdicts.at(-1)).toEqual({ accepted: true });
  });
});
