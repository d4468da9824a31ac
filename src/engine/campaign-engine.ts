/**
 * The engine of one campaign: it keeps the hot state (agents and calls in
 * flight), runs the pacing tick, and carries out the core's decisions through
 * the telephony port. The same engine runs on Asterisk and on the simulator;
 * it never reads the wall clock (the scheduler gives time) and never waits on
 * the network inside a tick.
 */
import { AgentBoard } from '../agents/agent-board.js';
import type { AgentDesk, AgentDeskEvent } from '../agents/desk.js';
import type { Lead, LeadSource } from '../campaigns/lead-source.js';
import { AttemptId, TrunkId, type AgentId, type CampaignId, type LeadId } from '../domain/ids.js';
import type { AnsweredParty, HangupCause } from '../domain/outcomes.js';
import type { EpochMs } from '../domain/time.js';
import type { PacingObservation } from '../pacing/estimates.js';
import type { PacingDecision } from '../pacing/pacer.js';
import { route } from '../pacing/routing.js';
import type { PacingSettings, TrunkSettings } from '../pacing/settings.js';
import type { AgentState, AgentView, CallPhase, CallView, PacingSnapshot } from '../pacing/snapshot.js';
import { CALL_UNTOUCHED, controlFailed, decideControl, type CallControlState } from '../agents/call-controls.js';
import type { CallControl, ControlTarget, LeftCall, MediaUri, RecordingPolicy, TelephonyEvent, TelephonyPort } from '../telephony/port.js';
import type { AgentLender } from './agent-lending.js';
import type { AttemptRecord } from './attempt-record.js';
import type { Scheduler, TimerHandle } from './scheduler.js';
import { TrunkLimiter } from './trunk-limiter.js';

/** The part of the pacer the engine uses; the benchmark wraps it to time decisions. */
export interface PacingCore {
  decide(snapshot: PacingSnapshot): PacingDecision;
  observe(o: PacingObservation, at: EpochMs): void;
  recordLiveAnswer(at: EpochMs): void;
  recordAbandon(at: EpochMs): void;
  recordMachineHangup(at: EpochMs): void;
  updateSettings(settings: PacingSettings): void;
}

export interface EngineObserver {
  decision?(d: PacingDecision): void;
  agentState?(agentId: AgentId, from: AgentState, to: AgentState, at: EpochMs): void;
  /** An attempt is written and about to be dialed (the wallboard's calls in flight and dials start here). */
  attemptOpened?(attemptId: AttemptId, at: EpochMs): void;
  attemptEnded?(a: AttemptRecord): void;
  /** A call the campaign did not dial, lent one of its agents (lendAgent), ended after the agent spoke to the caller: a disposition follows. */
  lentCallEnded?(attemptId: AttemptId, agentId: AgentId, at: EpochMs): void;
  /** The campaign's wrap-up timeout lapsed: the engine ended the wrap-up, the attempt takes the system disposition. */
  wrapUpLapsed?(agentId: AgentId, attemptId: AttemptId, at: EpochMs): void;
  /** A hand dial the engine could not make (the agent was no longer ready, no line was free); its lead went back. */
  dialRefused?(agentId: AgentId, leadId: LeadId, why: string): void;
}

/** The system disposition of a wrap-up the campaign's timeout ended (migration 0003). */
export const WRAP_UP_TIMEOUT_DISPOSITION = 'wrap-up-timeout';

/** Durable before acting: the attempt is written before the originate. */
export interface AttemptJournal {
  opened(attemptId: AttemptId, lead: Lead, at: EpochMs): Promise<void>;
}

export interface EngineOptions {
  readonly campaignId: CampaignId;
  readonly settings: PacingSettings;
  readonly trunk: TrunkSettings;
  readonly callerId: string;
  readonly messages: CallMessages;
  /** Which recordings an answered call gets; default all. */
  readonly recording?: RecordingPolicy;
  readonly port: TelephonyPort;
  readonly desk: AgentDesk;
  readonly scheduler: Scheduler;
  readonly leads: LeadSource;
  readonly pacer: PacingCore;
  readonly journal?: AttemptJournal;
  /** Names each attempt; storage gives ids its attempt rows can take as their key (default: campaign and sequence). */
  readonly newAttemptId?: () => AttemptId;
  readonly observer?: EngineObserver;
  readonly tickMs?: number;
  /** The agents shared with the other campaigns this process runs (blended agents); default: this campaign's own. */
  readonly board?: AgentBoard;
  /**
   * How many of the scheduler's seconds a person's second is (default 1): the
   * wrap-up and preview timeouts, which wait for people, last this many times
   * longer. The demo runs its clock at --speed times real time; a person
   * working beside its simulated agents still gets the campaign's real seconds.
   */
  readonly humanTimeScale?: number;
}

export interface CallMessages {
  readonly abandon: MediaUri;
  readonly machine: readonly MediaUri[];
}

/** A call a lost engine made, taken over (CampaignEngine.adopt). */
export interface AdoptedCall {
  readonly attemptId: AttemptId;
  readonly lead: Lead;
  readonly originatedAt: EpochMs;
  /** As stored, when the lost engine got to store them. */
  readonly answeredAt?: EpochMs | undefined;
  readonly connectedAt?: EpochMs | undefined;
  /** Where the call stands on the PBX (one the PBX abandoned itself is not adopted: it is over). */
  readonly left: Exclude<LeftCall, { readonly phase: 'abandoned-by-pbx' }>;
}

/** Why an agent's state changed, for the state history and the agent's screen. */
interface StateDetail {
  readonly reason?: string | undefined;
  readonly leadId?: LeadId | undefined;
  readonly deadline?: EpochMs | undefined;
}

interface AgentRecord {
  readonly id: AgentId;
  state: AgentState;
  stateSince: EpochMs;
  readySince: EpochMs;
  callStartedAt?: EpochMs;
  attemptId?: AttemptId;
  pausePending: boolean;
  pauseReason?: string;
  logoutPending: boolean;
  /** Preview mode: the lead offered to the agent, until they dial or skip it or the offer lapses. */
  offer?: { readonly lead: Lead; readonly lapse?: TimerHandle };
  wrapUpLapse?: TimerHandle;
  /** Their leg was lost through no doing of theirs and is being brought back (`returning`): what their desk says until it is. */
  legLost?: string;
}

interface CallRecord {
  readonly attemptId: AttemptId;
  readonly lead: Lead;
  phase: CallPhase;
  readonly originatedAt: EpochMs;
  answeredAt?: EpochMs;
  readyAt?: EpochMs;
  connectedAt?: EpochMs;
  party?: AnsweredParty;
  agentId?: AgentId;
  abandoned: boolean;
  deadline?: TimerHandle;
  /** The agent who chose this call (preview, hand dial, their callback) and waits for it, reserved. */
  readonly pinnedAgent?: AgentId;
  /** Hold, mute, a consultation under way (call-controls.ts), while put through to an agent. */
  controls?: CallControlState;
  /** Transferred to a number outside: the customer talks on, and the agent who had the call wraps it up meanwhile. */
  handedOff?: boolean;
  /** The agent reserved to take the call (a transfer) or to be consulted about it, until they have it or are let go. */
  targetAgent?: AgentId;
}

const EAGER_TICK_GAP_MS = 250;
/** How long an offered lead stays claimed when the campaign sets no preview timeout. */
const UNLIMITED_OFFER_HOLD_MS = 60 * 60_000;
/** Time for the agent's dial to reach storage after the offer's last moment. */
const OFFER_HOLD_MARGIN_MS = 30_000;

export class CampaignEngine implements AgentLender {
  private readonly agents = new Map<AgentId, AgentRecord>();
  private readonly calls = new Map<AttemptId, CallRecord>();
  /** Calls whose person waits for an agent, oldest first (a Map keeps insertion order). */
  private readonly waiting = new Map<AttemptId, CallRecord>();
  /** Calls from outside the campaign's own dials (a broadcast's key 1) asking for an agent, oldest first. */
  private readonly guests = new Map<AttemptId, (agentId: AgentId) => void>();
  /** Agents lent to such calls, by the call's attempt. */
  private readonly lent = new Map<AttemptId, AgentId>();
  private readonly trunk: TrunkLimiter;
  private settings: PacingSettings;
  private messages: CallMessages;
  private recording: RecordingPolicy | undefined;
  private tickTimer?: TimerHandle;
  private eagerTick?: TimerHandle;
  private lastTickAt = -Infinity;
  private attemptSeq = 0;
  private running = false;
  private readonly unsubscribe: (() => void)[] = [];
  private unhearTelephony: (() => void) | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly board: AgentBoard;

  constructor(private readonly o: EngineOptions) {
    this.settings = o.settings;
    this.messages = o.messages;
    this.recording = o.recording;
    this.trunk = new TrunkLimiter(o.trunk);
    this.board = o.board ?? new AgentBoard();
  }

  start(): void {
    if (this.unsubscribe.length > 0) return;
    this.hearTelephony();
    this.unsubscribe.push(this.o.desk.subscribe((e) => this.onDesk(e)));
    this.unsubscribe.push(this.board.attach(this.o.campaignId));
    this.unsubscribe.push(this.board.onFreed((agentId, by, at) => this.freedElsewhere(agentId, by, at)));
    this.resumeDialing();
  }

  /** Dial again after stopDialing() (a paused campaign started again). */
  resumeDialing(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleTick();
  }

  /** Stop dialing and stop listening: calls still in flight are no longer followed. */
  stop(): void {
    this.stopDialing();
    for (const u of this.unsubscribe.splice(0)) u();
    this.unhearTelephony?.();
    this.unhearTelephony = undefined;
  }

  /** From adopt() or start(), whichever comes first: an adopted call may end before the engine starts. */
  private hearTelephony(): void {
    this.unhearTelephony ??= this.o.port.subscribe((e) => this.onTelephony(e));
  }

  /**
   * Stop dialing but keep hearing the calls in progress and the agents, so
   * that a draining engine still connects, ends and reports them; stop() once
   * callsInFlight is 0.
   */
  stopDialing(): void {
    this.running = false;
    this.tickTimer?.cancel();
    this.eagerTick?.cancel();
  }

  /**
   * Takes over the calls a lost engine made (call before start()), in the
   * phases the PBX shows (TelephonyPort.adoptCalls): one not yet answered
   * goes on as if dialed here; a person left waiting with nobody hears the
   * abandon message at once (counted as an abandon: nobody can say how long
   * they waited); a customer talking to an agent talks on, and their agent,
   * when they log in again, is on that call (never given a second customer)
   * and wraps it up. If the agent is not back by the call's end, the
   * attempt takes the system's disposition, as a lapsed wrap-up does.
   */
  adopt(calls: readonly AdoptedCall[]): void {
    this.hearTelephony();
    const now = this.o.scheduler.now();
    for (const { attemptId, lead, originatedAt, answeredAt, connectedAt, left } of calls) {
      this.trunk.seize(now);
      const call: CallRecord = { attemptId, lead, phase: 'ringing', originatedAt, abandoned: false };
      this.calls.set(attemptId, call);
      if (left.phase === 'ringing' || left.phase === 'detecting') continue;
      call.answeredAt = answeredAt ?? now;
      call.party = 'human';
      if (left.phase === 'answered') {
        call.phase = 'closing';
        call.abandoned = true;
        this.countAbandon(now);
        this.o.port.abandon(attemptId, this.o.messages.abandon);
        continue;
      }
      call.phase = 'connected';
      call.agentId = left.agentId;
      call.connectedAt = connectedAt ?? now;
    }
  }

  /**
   * The engine is going away (a shutdown, after its drain): every agent still
   * here is logged out with `reason`, so their state history closes and their
   * screens say why, and the legs no other campaign of this process still
   * needs are torn down.
   */
  logOutEveryone(reason: string): void {
    const now = this.o.scheduler.now();
    for (const agent of [...this.agents.values()]) if (this.forget(agent, now, reason)) this.o.port.logoutAgent(agent.id);
  }

  /** Resolves once no call is in flight: after stopDialing(), the moment a deploy may stop the engine. */
  whenIdle(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  updateSettings(settings: PacingSettings): void {
    this.settings = settings;
    this.o.pacer.updateSettings(settings);
  }

  /** The campaign's messages or recording policy changed: calls dialed from now on follow them. */
  updateCallHandling(messages: CallMessages, recording: RecordingPolicy | undefined): void {
    this.messages = messages;
    this.recording = recording;
  }

  lendAgent(attemptId: AttemptId, give: (agentId: AgentId) => void): () => void {
    this.guests.set(attemptId, give);
    this.routeCalls();
    return () => this.guests.delete(attemptId);
  }

  countAbandon(at: EpochMs): void {
    this.o.pacer.recordLiveAnswer(at);
    this.o.pacer.recordAbandon(at);
  }

  get callsInFlight(): number {
    return this.calls.size;
  }

  /** Agents still wrapping up a call of this campaign: a drain waits for their dispositions too. */
  get wrapUpsOpen(): number {
    let n = 0;
    for (const a of this.agents.values()) if (a.state === 'wrap-up') n++;
    return n;
  }

  snapshot(): PacingSnapshot {
    const now = this.o.scheduler.now();
    // The records are handed over as read-only views, not copied: this runs every tick for every call.
    const agents: AgentView[] = [];
    // An agent another campaign's call holds, or whom another campaign dials for now, is not this campaign's to pace for.
    for (const a of this.agents.values()) if (a.state !== 'logged-out' && this.board.pacesFor(a.id, this.o.campaignId)) agents.push(a);
    const calls: CallView[] = Array.from(this.calls.values());
    return {
      now,
      agents,
      calls,
      capacity: { trunkUp: this.trunk.down === undefined, ...this.trunkCapacity(now), leadsAvailable: this.o.leads.available() },
    };
  }

  // ---- the tick -------------------------------------------------------

  private scheduleTick(): void {
    this.tickTimer = this.o.scheduler.after(this.o.tickMs ?? 1000, () => {
      this.tick();
      if (this.running) this.scheduleTick();
    });
  }

  /**
   * An agent came free: pace now rather than at the next tick, but at most
   * every EAGER_TICK_GAP_MS, so that a large team freeing agents several
   * times a second does not multiply the ticks.
   */
  private tickSoon(): void {
    if (!this.running || this.eagerTick) return;
    const wait = Math.max(0, this.lastTickAt + EAGER_TICK_GAP_MS - this.o.scheduler.now());
    this.eagerTick = this.o.scheduler.after(wait, () => {
      this.eagerTick = undefined;
      this.tick();
    });
  }

  private tick(): void {
    if (!this.running) return;
    this.lastTickAt = this.o.scheduler.now();
    this.board.hasLeads(this.o.campaignId, this.o.leads.available() > 0);
    this.giveAgentsTheirLeads(this.lastTickAt);
    if (this.settings.mode === 'preview') return;
    const decision = this.o.pacer.decide(this.snapshot());
    this.o.observer?.decision?.(decision);
    for (let i = 0; i < decision.dials; i++) {
      const lead = this.o.leads.take();
      if (!lead) break;
      this.launch(lead);
    }
  }

  /**
   * Leads only one agent should have (the callbacks they promised) go to that
   * agent; in preview mode every lead is offered, longest-idle agent first.
   */
  private giveAgentsTheirLeads(now: EpochMs): void {
    // No lead is offered that could not be dialed.
    if (this.trunk.down !== undefined) return;
    const preview = this.settings.mode === 'preview';
    if (!preview && !this.o.leads.takeFor) return;
    const ready = [];
    for (const a of this.agents.values()) if (a.state === 'ready' && this.board.pacesFor(a.id, this.o.campaignId)) ready.push(a);
    ready.sort((a, b) => a.readySince - b.readySince);
    // Asked again only after a dial takes a line: over every server's calls, it is too dear to ask per agent at every tick.
    let lineFree = preview || this.lineFree(now);
    for (const agent of ready) {
      if (!lineFree) return;
      const lead = this.o.leads.takeFor?.(agent.id) ?? (preview ? this.o.leads.take() : undefined);
      if (!lead) continue;
      if (!this.board.reserve(agent.id, this.o.campaignId)) {
        this.o.leads.giveBack?.(lead, 'not-dialed', agent.id);
        continue;
      }
      if (preview) this.offer(agent, lead, now);
      else {
        this.dialFor(agent, lead, 'callback', now);
        lineFree = this.lineFree(now);
      }
    }
  }

  private offer(agent: AgentRecord, lead: Lead, now: EpochMs): void {
    const lapseMs = this.humanSeconds(this.settings.previewTimeoutSec);
    const lapse = lapseMs > 0 ? this.o.scheduler.after(lapseMs, () => this.offerLapsed(agent, lead)) : undefined;
    // The lead's claim must outlast the agent's look at it, or the dial would find the lead gone.
    this.o.leads.keep?.(lead, (lapseMs || UNLIMITED_OFFER_HOLD_MS) + OFFER_HOLD_MARGIN_MS);
    agent.offer = { lead, lapse };
    this.setAgentState(agent, 'reserved', now, { reason: 'preview', leadId: lead.id });
  }

  /** Nobody answered the offer: the lead goes back, and the agent, plainly away, is paused rather than offered the next. */
  private offerLapsed(agent: AgentRecord, lead: Lead): void {
    if (agent.offer?.lead !== lead) return;
    agent.offer = undefined;
    this.o.leads.giveBack?.(lead, 'offer-lapsed', agent.id);
    this.setAgentState(agent, 'paused', this.o.scheduler.now(), { reason: 'preview-timeout' });
  }

  private takeOffer(agent: AgentRecord | undefined, leadId: LeadId): Lead | undefined {
    const offer = agent?.offer;
    if (!agent || !offer || offer.lead.id !== leadId) return undefined;
    offer.lapse?.cancel();
    agent.offer = undefined;
    return offer.lead;
  }

  /** Dials for an agent already reserved for it, who waits for the call. */
  private dialFor(agent: AgentRecord, lead: Lead, why: string, now: EpochMs): void {
    agent.attemptId = this.newAttemptId();
    if (agent.state !== 'reserved') this.setAgentState(agent, 'reserved', now, { reason: why, leadId: lead.id });
    this.launch(lead, agent.attemptId, agent.id);
  }

  private lineFree(now: EpochMs): boolean {
    const { trunkLinesFree, trunkCallsAllowedNow } = this.trunkCapacity(now);
    return trunkLinesFree > 0 && trunkCallsAllowedNow >= 1;
  }

  /** The campaign's own trunk limits, within what the PBXs that are up can carry beside the other engines' calls, when the port knows it. */
  private trunkCapacity(now: EpochMs): { trunkLinesFree: number; trunkCallsAllowedNow: number } {
    const { linesFree, callsAllowedNow } = this.trunk.capacityOn(this.o.port, now);
    return { trunkLinesFree: linesFree, trunkCallsAllowedNow: callsAllowedNow };
  }

  private newAttemptId(): AttemptId {
    return this.o.newAttemptId?.() ?? AttemptId(`${this.o.campaignId}-${++this.attemptSeq}`);
  }

  private launch(lead: Lead, attemptId = this.newAttemptId(), pinnedAgent?: AgentId): void {
    const now = this.o.scheduler.now();
    this.trunk.seize(now);
    this.calls.set(attemptId, { attemptId, lead, phase: 'ringing', originatedAt: now, abandoned: false, pinnedAgent });
    const originate = () => {
      this.o.observer?.attemptOpened?.(attemptId, now);
      this.o.port.originate({
        attemptId,
        campaignId: this.o.campaignId,
        leadId: lead.id,
        number: lead.number,
        callerId: this.o.callerId,
        trunk: TrunkId(this.o.trunk.id),
        ringTimeoutSec: this.settings.ringTimeoutSec,
        machineDetection: this.settings.machineDetection,
        ...(this.recording ? { recording: this.recording } : {}),
      });
    };
    if (!this.o.journal) return originate();
    this.o.journal.opened(attemptId, lead, now).then(originate, (err: unknown) => {
      this.finish(attemptId, 'failed', { code: 0, text: `attempt not written: ${String(err)}` });
    });
  }

  // ---- telephony events -----------------------------------------------

  private onTelephony(e: TelephonyEvent): void {
    switch (e.type) {
      case 'call.ringing':
        return;
      case 'call.answered':
        if (e.abandonedByPbx) return this.abandonedByPbx(e.attemptId, e.answeredAt, e.at);
        return this.onAnswered(e.attemptId, e.party, e.answeredAt, e.at, e.greetingEndedAt);
      case 'call.failed': {
        const call = this.calls.get(e.attemptId);
        if (!call) return;
        this.o.pacer.observe(
          { kind: 'resolved', needsAgent: false, answered: false, secondsToResolve: (e.at - call.originatedAt) / 1000 },
          e.at,
        );
        return this.finish(e.attemptId, e.outcome, e.cause, e.at);
      }
      case 'call.connected':
        return this.onConnected(e.attemptId, e.agentId, e.at);
      case 'call.not-connected':
        return this.onNotConnected(e.attemptId, e.agentId, e.at);
      case 'call.ended':
        return this.onEnded(e.attemptId, e.cause, e.at);
      case 'call.control':
        return this.controlDone(e.attemptId, e.agentId, e.control, e.at, e.target, e.failed);
      case 'recording.finished':
      case 'recording.failed':
        return;
      case 'trunk.down':
      case 'trunk.up':
        if (e.trunk !== this.o.trunk.id) return;
        this.trunk.down = e.type === 'trunk.down' ? e.why : undefined;
        if (e.type === 'trunk.up') this.tickSoon();
        return;
      case 'agent.leg-up': {
        this.board.legUp(e.agentId);
        const a = this.agents.get(e.agentId);
        if (a?.legLost) {
          a.legLost = undefined;
          // Back from a lost leg: ready, or paused as they asked meanwhile; one on a call or wrapping up goes on.
          if (a.state === 'logged-out') this.agentFree(a, e.at, 'the line to the softphone is back');
          return;
        }
        if (a?.state !== 'logged-out') return;
        const held = this.adoptedCallOf(a.id);
        if (held && this.board.reserve(a.id, this.o.campaignId)) {
          // Back after their engine was lost, still talking to its customer.
          a.attemptId = held.attemptId;
          a.callStartedAt = held.connectedAt;
          return this.setAgentState(a, 'on-call', e.at);
        }
        this.setAgentState(a, 'ready', e.at);
        return;
      }
      case 'agent.leg-down': {
        const a = this.agents.get(e.agentId);
        if (!a) return;
        const held = a.attemptId ? this.calls.get(a.attemptId) : undefined;
        // An agent reserved to take over or be consulted about someone else's call: that call goes on without them.
        const call = held?.targetAgent === a.id ? undefined : held;
        const wasInWrapUp = a.state === 'wrap-up';
        const heldAttempt = a.attemptId;
        // The agent's own call, hung up below, ends in their wrap-up; anything else they held is let go.
        const wrapsUp = wasInWrapUp || (a.state === 'on-call' && call !== undefined && call.phase !== 'connecting');
        if (e.returning) this.legLost(a, e.cause, e.at, wrapsUp);
        else this.forget(a, e.at, a.legLost && `the softphone did not answer when its line was brought back (${e.cause.text}): log in again`);
        // Mid-connect, the person has heard nobody yet: another agent may still take them within the deadline.
        if (call?.phase === 'connecting') this.backToWaiting(call, e.at);
        else if (call && !wasInWrapUp) this.o.port.hangup(call.attemptId);
        // A caller lent this agent would wait in silence for someone who is gone.
        else if (heldAttempt && this.lent.delete(heldAttempt) && !wasInWrapUp) this.o.port.hangup(heldAttempt);
        return;
      }
    }
  }

  private onAnswered(attemptId: AttemptId, party: AnsweredParty, answeredAt: EpochMs, at: EpochMs, greetingEndedAt?: EpochMs): void {
    const call = this.calls.get(attemptId);
    if (!call || call.phase !== 'ringing') return;
    call.answeredAt = answeredAt;
    call.party = party;
    const pinned = this.waitingAgentOf(call);
    const needsAgent = pinned !== undefined || party === 'human' || this.settings.machinePolicy === 'to-agent';
    this.o.pacer.observe(
      { kind: 'resolved', needsAgent, answered: true, secondsToResolve: (at - call.originatedAt) / 1000 },
      at,
    );
    if (!needsAgent) {
      this.o.pacer.recordMachineHangup(at);
      call.phase = 'closing';
      if (this.settings.machinePolicy === 'leave-message') this.o.port.leaveMessage(attemptId, this.messages.machine);
      else this.o.port.hangup(attemptId);
      return;
    }
    this.o.pacer.recordLiveAnswer(at);
    // greeting-end: from the greeting's end as detection heard it, which precedes its verdict (`at`) by the silence it waited for.
    call.readyAt = this.settings.connectDeadlineFrom === 'answer' ? answeredAt : (greetingEndedAt ?? at);
    if (pinned) {
      // The agent who chose the call is waiting for it: put through at once, never abandoned.
      call.phase = 'connecting';
      call.agentId = pinned.id;
      this.o.port.connectToAgent(attemptId, pinned.id);
      return;
    }
    call.phase = 'waiting';
    this.waiting.set(attemptId, call);
    const deadlineMs = this.settings.connectDeadlineSec * 1000;
    call.deadline = this.o.scheduler.after(Math.max(0, call.readyAt + deadlineMs - at), () => this.routeCalls());
    // The port lets a call that waited a while meet more agents (on another PBX): route it again then.
    const meetsMore = this.o.port.meetsMoreAfterMs;
    if (meetsMore !== undefined && meetsMore < deadlineMs) this.o.scheduler.after(Math.max(0, call.readyAt + meetsMore - at), () => this.routeCalls());
    this.routeCalls();
  }

  /** The person answered while this engine was not heard and got the abandon message from the PBX: an abandon, whatever agent is free now. */
  private abandonedByPbx(attemptId: AttemptId, answeredAt: EpochMs, at: EpochMs): void {
    const call = this.calls.get(attemptId);
    if (!call || call.phase !== 'ringing') return;
    call.answeredAt = answeredAt;
    call.party = 'human';
    call.phase = 'closing';
    call.abandoned = true;
    this.countAbandon(at);
  }

  private onConnected(attemptId: AttemptId, agentId: AgentId, at: EpochMs): void {
    if (this.lent.has(attemptId)) return this.lentCallConnected(agentId, at);
    const call = this.calls.get(attemptId);
    const agent = this.agents.get(agentId);
    if (!call || !agent) return;
    call.phase = 'connected';
    call.connectedAt = at;
    agent.callStartedAt = at;
    this.setAgentState(agent, 'on-call', at);
  }

  /** The connect could not be made (the port said why in its log): the agent is free again, the person waits again. */
  private onNotConnected(attemptId: AttemptId, agentId: AgentId, at: EpochMs): void {
    const call = this.calls.get(attemptId);
    const agent = this.agents.get(agentId);
    if (call?.phase !== 'connecting' || call.agentId !== agentId) return;
    if (agent?.attemptId === attemptId) {
      agent.attemptId = undefined;
      this.agentFree(agent, at);
    }
    this.backToWaiting(call, at);
  }

  private onEnded(attemptId: AttemptId, cause: HangupCause, at: EpochMs): void {
    if (this.lent.has(attemptId)) return this.lentCallEnded(attemptId, at);
    const call = this.calls.get(attemptId);
    if (!call) return;
    // Transferred outside: its agent wraps it up already (or has done so).
    const agent = call.agentId && !call.handedOff ? this.agents.get(call.agentId) : undefined;
    // A call taken over from a lost engine whose agent has not logged in again: nobody is here to wrap it up.
    const unattended = call.phase === 'connected' && call.agentId !== undefined && !call.handedOff && agent?.attemptId !== attemptId;
    this.releaseTargetAgent(call, at);
    if (call.phase === 'waiting') {
      // The person hung up before any agent was free: a live answer not connected, so an abandon.
      call.abandoned = true;
      this.o.pacer.recordAbandon(at);
    }
    if (agent && agent.attemptId === attemptId) {
      if (call.phase === 'connected') {
        this.o.pacer.observe({ kind: 'talk', seconds: (at - (call.connectedAt ?? at)) / 1000 }, at);
        this.setAgentState(agent, 'wrap-up', at);
      } else {
        // The person left while being put through: the agent never spoke to them.
        agent.attemptId = undefined;
        this.agentFree(agent, at);
      }
    }
    const outcome = call.party === 'machine' && !call.agentId ? 'machine' : call.answeredAt !== undefined ? 'live' : 'no-answer';
    this.finish(attemptId, outcome, cause, at);
    if (unattended) this.o.observer?.wrapUpLapsed?.(call.agentId!, attemptId, at);
  }

  /** The adopted call the agent was talking on when their engine was lost, if it is still on and nobody here holds it. */
  private adoptedCallOf(agentId: AgentId): CallRecord | undefined {
    for (const call of this.calls.values()) {
      if (call.phase === 'connected' && call.agentId === agentId) return call;
    }
    return undefined;
  }

  private finish(attemptId: AttemptId, outcome: AttemptRecord['outcome'], cause: HangupCause, at = this.o.scheduler.now()): void {
    const call = this.calls.get(attemptId);
    if (!call) return;
    call.deadline?.cancel();
    this.calls.delete(attemptId);
    this.waiting.delete(attemptId);
    this.trunk.release();
    if (this.calls.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.releasePinnedAgent(call, at);
    this.o.observer?.attemptEnded?.({
      attemptId,
      leadId: call.lead.id,
      number: call.lead.number,
      originatedAt: call.originatedAt,
      answeredAt: call.answeredAt,
      readyAt: call.readyAt,
      connectedAt: call.connectedAt,
      endedAt: at,
      outcome,
      party: call.party,
      abandoned: call.abandoned,
      agentId: call.agentId,
      cause,
    });
  }

  /** The agent reserved for this call and still waiting for it, if the call was chosen by one. */
  private waitingAgentOf(call: CallRecord): AgentRecord | undefined {
    const agent = call.pinnedAgent ? this.agents.get(call.pinnedAgent) : undefined;
    return agent?.attemptId === call.attemptId && agent.state === 'reserved' ? agent : undefined;
  }

  /** A chosen call that ended before reaching its agent (no answer, busy): the agent is free again. */
  private releasePinnedAgent(call: CallRecord, at: EpochMs): void {
    const agent = this.waitingAgentOf(call);
    if (!agent) return;
    agent.attemptId = undefined;
    this.agentFree(agent, at);
  }

  // ---- routing answered calls to agents ---------------------------------

  /** A person whose connect failed waits again, with the deadline counted from when they first answered. */
  private backToWaiting(call: CallRecord, at: EpochMs): void {
    call.phase = 'waiting';
    call.agentId = undefined;
    this.waiting.set(call.attemptId, call);
    const deadlineAt = call.readyAt! + this.settings.connectDeadlineSec * 1000;
    call.deadline = this.o.scheduler.after(Math.max(0, deadlineAt - at), () => this.routeCalls());
    this.routeCalls();
  }

  /** The campaign's own callers first (their connect deadline is the regulator's), then callers from outside. */
  private routeCalls(): void {
    if (this.waiting.size > 0) this.routeOwnCalls();
    if (this.guests.size > 0) this.serveGuests();
  }

  private routeOwnCalls(): void {
    const now = this.o.scheduler.now();
    const waiting = [];
    for (const c of this.waiting.values()) waiting.push({ attemptId: c.attemptId, readyAt: c.readyAt! });
    const ready = [];
    for (const a of this.agents.values()) if (a.state === 'ready' && this.isFree(a)) ready.push({ id: a.id, readySince: a.readySince });
    const decision = route(waiting, ready, now, this.settings.connectDeadlineSec * 1000, this.o.port.canMeet?.bind(this.o.port));
    for (const attemptId of decision.abandon) {
      const call = this.calls.get(attemptId)!;
      this.waiting.delete(attemptId);
      call.phase = 'closing';
      call.abandoned = true;
      call.deadline?.cancel();
      this.o.pacer.recordAbandon(now);
      this.o.port.abandon(attemptId, this.messages.abandon);
    }
    for (const { attemptId, agentId } of decision.connect) {
      const call = this.calls.get(attemptId)!;
      const agent = this.agents.get(agentId)!;
      if (!this.board.reserve(agentId, this.o.campaignId)) continue;
      this.waiting.delete(attemptId);
      call.phase = 'connecting';
      call.agentId = agentId;
      call.deadline?.cancel();
      agent.attemptId = attemptId;
      this.setAgentState(agent, 'reserved', now);
      this.o.port.connectToAgent(attemptId, agentId, call.readyAt! + this.settings.connectDeadlineSec * 1000);
    }
  }

  // ---- agents lent to calls from outside (lendAgent) ----------------------

  private serveGuests(): void {
    const now = this.o.scheduler.now();
    const ready = [...this.agents.values()].filter((a) => a.state === 'ready' && this.isFree(a)).sort((a, b) => a.readySince - b.readySince);
    for (const [attemptId, give] of this.guests) {
      let agent = ready.shift();
      // A blended agent may be taken by another campaign on the board meanwhile: reserving is the last word.
      while (agent && !this.board.reserve(agent.id, this.o.campaignId)) agent = ready.shift();
      if (!agent) return;
      this.guests.delete(attemptId);
      this.lent.set(attemptId, agent.id);
      agent.attemptId = attemptId;
      this.setAgentState(agent, 'reserved', now);
      // Put through to one of the campaign's agents: a live answer of the campaign, as its abandons are.
      this.o.pacer.recordLiveAnswer(now);
      give(agent.id);
    }
  }

  private lentCallConnected(agentId: AgentId, at: EpochMs): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    agent.callStartedAt = at;
    this.setAgentState(agent, 'on-call', at);
  }

  private lentCallEnded(attemptId: AttemptId, at: EpochMs): void {
    const agentId = this.lent.get(attemptId)!;
    this.lent.delete(attemptId);
    const agent = this.agents.get(agentId);
    if (!agent || agent.attemptId !== attemptId) return;
    if (agent.state !== 'on-call') {
      // The caller left before the agent was put through.
      agent.attemptId = undefined;
      return this.agentFree(agent, at);
    }
    this.o.pacer.observe({ kind: 'talk', seconds: (at - (agent.callStartedAt ?? at)) / 1000 }, at);
    this.setAgentState(agent, 'wrap-up', at);
    this.o.observer?.lentCallEnded?.(attemptId, agentId, at);
  }

  // ---- agents -----------------------------------------------------------

  private onDesk(e: AgentDeskEvent): void {
    const agent = this.agents.get(e.agentId);
    switch (e.type) {
      case 'agent.login': {
        if (agent || (e.campaigns && !e.campaigns.includes(this.o.campaignId))) return;
        const record: AgentRecord = {
          id: e.agentId,
          state: 'logged-out',
          stateSince: e.at,
          readySince: e.at,
          pausePending: false,
          logoutPending: false,
        };
        this.agents.set(e.agentId, record);
        // One leg per person, whatever the number of campaigns they log in to.
        const { bringUpLeg, legUp } = this.board.join(e.agentId, this.o.campaignId);
        if (bringUpLeg) this.o.port.loginAgent(e.agentId, e.endpoint);
        else if (legUp) this.setAgentState(record, 'ready', e.at);
        return;
      }
      case 'agent.pause':
        if (!agent) return;
        agent.pauseReason = e.reason;
        if (agent.state === 'ready') this.setAgentState(agent, 'paused', e.at, { reason: e.reason });
        else if (agent.state !== 'paused') agent.pausePending = true;
        return;
      case 'agent.resume':
        if (!agent) return;
        agent.pausePending = false;
        if (agent.state === 'paused') this.agentFree(agent, e.at);
        return;
      case 'agent.logout':
        if (!agent) return;
        if (agent.state === 'ready' || agent.state === 'paused' || agent.state === 'logged-out') this.logOut(agent, e.at);
        else agent.logoutPending = true;
        return;
      case 'agent.wrap-up-done':
        if (!agent || agent.state !== 'wrap-up') return;
        return this.endWrapUp(agent, e.at);
      case 'agent.preview-dial': {
        const lead = this.takeOffer(agent, e.leadId);
        if (agent && lead) this.dialFor(agent, lead, 'preview', e.at);
        return;
      }
      case 'agent.preview-skip': {
        const lead = this.takeOffer(agent, e.leadId);
        if (!agent || !lead) return;
        this.o.leads.giveBack?.(lead, 'skipped', agent.id);
        return this.agentFree(agent, e.at);
      }
      case 'agent.control':
        return this.control(agent, e.attemptId, e.control, e.at, e.reply);
      case 'agent.manual-dial': {
        if (e.campaignId !== this.o.campaignId) return;
        // A preview offer does not stop the agent from dialing another number: the offered lead goes back.
        const refused =
          agent?.state !== 'ready' && !agent?.offer ? 'the agent is not ready in this campaign'
          : this.trunk.down !== undefined ? `trunk ${this.o.trunk.id} is down: ${this.trunk.down}`
          : !this.lineFree(e.at) ? 'no trunk line is free'
          : !this.board.reserve(agent.id, this.o.campaignId) ? "another campaign's call holds the agent"
          : undefined;
        if (!agent || refused) {
          this.o.leads.giveBack?.(e.lead, 'not-dialed', e.agentId);
          this.o.observer?.dialRefused?.(e.agentId, e.lead.id, refused ?? 'the agent is not ready in this campaign');
          return;
        }
        const offered = agent.offer && this.takeOffer(agent, agent.offer.lead.id);
        if (offered) this.o.leads.giveBack?.(offered, 'not-dialed', agent.id);
        return this.dialFor(agent, e.lead, 'manual', e.at);
      }
    }
  }

  // ---- call controls (hold, transfer, ...) ---------------------------------

  /**
   * The agent's control on their call, decided at once on where the call
   * stands (so that racing controls settle in arrival order), then carried
   * out by the port. Another agent taking the call must be logged in to this
   * campaign and free: they are reserved for it until it reaches them.
   */
  private control(
    agent: AgentRecord | undefined,
    attemptId: AttemptId,
    control: CallControl,
    at: EpochMs,
    reply: (verdict: { accepted: true } | { refused: string }) => void,
  ): void {
    // Not this campaign's agent or call: another engine may hold it (no reply means nobody does).
    if (!agent || agent.attemptId !== attemptId) return;
    const call = this.calls.get(attemptId);
    if (agent.state !== 'on-call' || call?.phase !== 'connected' || call.agentId !== agent.id || call.handedOff) {
      return reply({ refused: `you are not talking on call ${attemptId} (you are ${agent.state}): controls work on the call in progress` });
    }
    if (!this.o.port.control) return reply({ refused: 'this telephony connection carries no call controls' });
    const verdict = decideControl(call.controls ?? CALL_UNTOUCHED, control);
    if ('refused' in verdict) return reply(verdict);
    const target = 'to' in control && 'agentId' in control.to ? control.to.agentId : undefined;
    if (target !== undefined) {
      const refused = this.takeTargetAgent(target, attemptId, control.kind, at);
      if (refused) return reply({ refused });
    }
    call.controls = verdict.state;
    reply({ accepted: true });
    this.o.port.control(attemptId, agent.id, control);
  }

  /** Reserves the agent a call goes to (transfer) or who is consulted about it; why not, if they cannot take it. */
  private takeTargetAgent(targetId: AgentId, attemptId: AttemptId, kind: string, at: EpochMs): string | undefined {
    const target = this.agents.get(targetId);
    if (!target) return `agent ${targetId} is not logged in to this campaign`;
    if (target.attemptId === attemptId) return 'you cannot transfer a call to yourself';
    if (target.state !== 'ready' || !this.board.reserve(targetId, this.o.campaignId)) return `agent ${targetId} is not free (${target.state}): choose a ready agent`;
    target.attemptId = attemptId;
    this.calls.get(attemptId)!.targetAgent = targetId;
    this.setAgentState(target, 'reserved', at, { reason: kind });
    return undefined;
  }

  /** What the port did with a control: the call moves to its new agent, leaves for a number outside, or comes back. */
  private controlDone(attemptId: AttemptId, agentId: AgentId, control: CallControl, at: EpochMs, target?: ControlTarget, failed?: string): void {
    const call = this.calls.get(attemptId);
    if (!call || call.agentId !== agentId) return;
    const agent = this.agents.get(agentId);
    const state = call.controls ?? CALL_UNTOUCHED;
    if (failed) {
      call.controls = controlFailed(state, control);
      if (!call.controls.consulting) this.releaseTargetAgent(call, at);
      return;
    }
    if (control.kind === 'cancel') return this.releaseTargetAgent(call, at);
    if ((control.kind !== 'transfer' && control.kind !== 'complete') || !target || !agent) return;
    this.o.pacer.observe({ kind: 'talk', seconds: (at - (agent.callStartedAt ?? at)) / 1000 }, at);
    if ('number' in target) {
      // The customer talks on with the number outside; the agent wraps the call up now.
      call.handedOff = true;
      return this.setAgentState(agent, 'wrap-up', at);
    }
    const next = this.agents.get(target.agentId);
    if (!next || next.attemptId !== attemptId) return;
    call.agentId = next.id;
    call.controls = CALL_UNTOUCHED;
    call.targetAgent = undefined;
    next.callStartedAt = at;
    this.setAgentState(next, 'on-call', at, { reason: 'transfer' });
    // The first agent's part is over: the one who took the call gives its disposition.
    agent.attemptId = undefined;
    agent.callStartedAt = undefined;
    this.agentFree(agent, at, 'transferred');
  }

  /** The agent reserved for a transfer or consulted about this call, who will not get it: free again. */
  private releaseTargetAgent(call: CallRecord, at: EpochMs): void {
    const target = call.targetAgent ? this.agents.get(call.targetAgent) : undefined;
    call.targetAgent = undefined;
    if (target?.attemptId !== call.attemptId || target.state !== 'reserved') return;
    target.attemptId = undefined;
    this.agentFree(target, at);
  }

  private endWrapUp(agent: AgentRecord, at: EpochMs, reason?: string): void {
    this.o.pacer.observe({ kind: 'wrap-up', seconds: (at - agent.stateSince) / 1000 }, at);
    agent.attemptId = undefined;
    agent.callStartedAt = undefined;
    this.agentFree(agent, at, reason);
  }

  private wrapUpLapsed(agent: AgentRecord, attemptId: AttemptId): void {
    if (agent.state !== 'wrap-up' || agent.attemptId !== attemptId) return;
    const now = this.o.scheduler.now();
    this.o.observer?.wrapUpLapsed?.(agent.id, attemptId, now);
    this.endWrapUp(agent, now, WRAP_UP_TIMEOUT_DISPOSITION);
  }

  /** A timeout that waits for a person, on the scheduler's clock. */
  private humanSeconds(seconds: number): number {
    return seconds * 1000 * (this.o.humanTimeScale ?? 1);
  }

  private isFree(agent: AgentRecord): boolean {
    return this.board.isFree(agent.id, this.o.campaignId);
  }

  /** Another campaign's call released the person: idle here from now, and free to take this campaign's calls. */
  private freedElsewhere(agentId: AgentId, by: CampaignId, at: EpochMs): void {
    const agent = this.agents.get(agentId);
    if (by === this.o.campaignId || agent?.state !== 'ready') return;
    agent.readySince = at;
    this.routeCalls();
    this.tickSoon();
  }

  /** The agent's call and wrap-up are over: ready, or the pause or logout they asked for. */
  private agentFree(agent: AgentRecord, at: EpochMs, reason?: string): void {
    if (agent.logoutPending) return this.logOut(agent, at);
    if (agent.legLost) return this.setAgentState(agent, 'logged-out', at, { reason: agent.legLost });
    if (agent.pausePending) {
      agent.pausePending = false;
      return this.setAgentState(agent, 'paused', at, { reason: agent.pauseReason });
    }
    agent.readySince = at;
    this.setAgentState(agent, 'ready', at, { reason });
    this.routeCalls();
    this.tickSoon();
  }

  private logOut(agent: AgentRecord, at: EpochMs): void {
    if (this.forget(agent, at)) this.o.port.logoutAgent(agent.id);
  }

  /**
   * The agent's leg was lost through no doing of theirs and the port brings
   * it back: no customer may be put to them meanwhile. Their own call, if
   * they are on one, ends (hung up by the caller), then wraps up as usual
   * (`wrapsUp`); otherwise
   * they leave ready at once, staying logged in, their desk saying why. A
   * pause asked for before stays asked for.
   */
  private legLost(agent: AgentRecord, cause: HangupCause, at: EpochMs, wrapsUp: boolean): void {
    this.board.legDown(agent.id);
    agent.legLost = `the line to your softphone was lost (${cause.text}): it is rung again as soon as it can be reached`;
    if (wrapsUp) return;
    if (agent.state === 'paused') agent.pausePending = true;
    agent.attemptId = undefined;
    agent.callStartedAt = undefined;
    if (agent.offer) this.o.leads.giveBack?.(agent.offer.lead, 'not-dialed', agent.id);
    agent.offer?.lapse?.cancel();
    agent.offer = undefined;
    this.setAgentState(agent, 'logged-out', at, { reason: agent.legLost });
  }

  /** The agent leaves this campaign; true when it was their last, so their leg is no longer wanted. */
  private forget(agent: AgentRecord, at: EpochMs, reason?: string): boolean {
    if (agent.offer) this.o.leads.giveBack?.(agent.offer.lead, 'not-dialed', agent.id);
    agent.offer?.lapse?.cancel();
    agent.offer = undefined;
    this.setAgentState(agent, 'logged-out', at, { reason });
    this.agents.delete(agent.id);
    return this.board.leave(agent.id, this.o.campaignId);
  }

  private setAgentState(agent: AgentRecord, to: AgentState, at: EpochMs, detail: StateDetail = {}): void {
    const from = agent.state;
    // Logged out already (waiting for a leg), with a new reason: the agent's desk hears it.
    if (from === to && (to !== 'logged-out' || detail.reason === undefined)) return;
    agent.state = to;
    agent.stateSince = at;
    if (to === 'ready') agent.readySince = at;
    if (from === 'wrap-up') agent.wrapUpLapse?.cancel();
    let deadline: EpochMs | undefined;
    if (to === 'wrap-up' && this.settings.wrapUpTimeoutSec > 0 && agent.attemptId) {
      const attemptId = agent.attemptId;
      deadline = at + this.humanSeconds(this.settings.wrapUpTimeoutSec);
      agent.wrapUpLapse = this.o.scheduler.after(deadline - at, () => this.wrapUpLapsed(agent, attemptId));
    }
    this.o.observer?.agentState?.(agent.id, from, to, at);
    const { reason, leadId } = detail;
    this.board.changed({ agentId: agent.id, campaignId: this.o.campaignId, to, at, attemptId: agent.attemptId, deadline, reason, leadId });
    if (to === 'ready' && from === 'logged-out') {
      this.routeCalls();
      this.tickSoon();
    }
  }
}
