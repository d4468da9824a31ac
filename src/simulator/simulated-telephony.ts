/**
 * The simulator's side of the telephony port: dials reach the simulated
 * population and come back as the same events Asterisk's adapter emits, with
 * the same hangup causes (Q.850, as recorded from Asterisk 22: 17 busy,
 * 19 no answer, 34 congestion, 1 unallocated number, 16 normal clearing).
 */
import type { AgentId, AttemptId } from '../domain/ids.js';
import type { FailedOutcome, HangupCause } from '../domain/outcomes.js';
import type { TimerHandle } from '../engine/scheduler.js';
import type {
  CallControl,
  ControlTarget,
  EndedBy,
  MediaUri,
  OriginateRequest,
  TelephonyEvent,
  TelephonyListener,
  TelephonyPort,
} from '../telephony/port.js';
import type { SimulatedTime } from './event-queue.js';
import { Listeners } from './listeners.js';
import type { LeadProfile, Population } from './population.js';
import type { Scenario } from './scenario.js';
import type { SimulatedAgents } from './simulated-agents.js';

export const CAUSES = {
  normal: { code: 16, text: 'Normal Clearing' },
  busy: { code: 17, text: 'User busy', techCause: 486 },
  noAnswer: { code: 19, text: 'User alerting, no answer' },
  congestion: { code: 34, text: 'Circuit/channel congestion', techCause: 503 },
  unallocated: { code: 1, text: 'Unallocated (unassigned) number', techCause: 404 },
} as const satisfies Record<string, HangupCause>;

const FAILURES: Record<'busy' | 'congestion' | 'invalid', [FailedOutcome, HangupCause]> = {
  busy: ['busy', CAUSES.busy],
  congestion: ['congestion', CAUSES.congestion],
  invalid: ['invalid-number', CAUSES.unallocated],
};

/** How long the recorded messages last. */
const ABANDON_MESSAGE_SEC = 6;
const MACHINE_MESSAGE_SEC = 15;
const AGENT_LEG_SETUP_SEC = 0.5;
/** How long the PBX takes to carry out a control on a call (a hold, a bridge move). */
const CONTROL_SEC = 0.2;
/** How long a number outside takes to answer a transfer, consultation or conference (it always does, here). */
const THIRD_PARTY_ANSWER_SEC = 3;

interface SimCall {
  readonly profile: LeadProfile;
  state: 'ringing' | 'answered' | 'connecting' | 'connected' | 'closing';
  /** The one pending thing that will happen to this call next. */
  next?: TimerHandle;
  agentId?: AgentId;
  /** The person turned out to be a machine that detection missed (or was never run). */
  readonly machine: boolean;
  /** The party a warm transfer is consulting, until completed or cancelled. */
  consulting?: ControlTarget;
}

export class SimulatedTelephony implements TelephonyPort {
  private readonly listeners = new Listeners<TelephonyEvent>();
  private readonly calls = new Map<AttemptId, SimCall>();

  constructor(
    private readonly time: SimulatedTime,
    private readonly scenario: Scenario,
    private readonly population: Population,
    private readonly agents: SimulatedAgents,
    /**
     * How many simulated seconds a second of the agent's is: customers put
     * through to a person working beside the simulated agents (the demo's
     * agent `you`) talk for their talk time in real seconds.
     */
    private readonly agentTimeScale: (agentId: AgentId) => number = () => 1,
  ) {}

  subscribe(listener: TelephonyListener): () => void {
    return this.listeners.subscribe(listener);
  }

  originate(req: OriginateRequest): void {
    const profile = this.population.profile({ id: req.leadId, number: req.number }, this.time.now());
    const call: SimCall = { profile, state: 'ringing', machine: profile.reached === 'machine' };
    this.calls.set(req.attemptId, call);
    const id = req.attemptId;
    const answers = profile.reached === 'live' || profile.reached === 'machine';
    if (profile.reached === 'no-answer' || (answers && profile.ringSec >= req.ringTimeoutSec)) {
      call.next = this.in(req.ringTimeoutSec, () => this.fail(id, 'no-answer', CAUSES.noAnswer));
      return;
    }
    if (!answers) {
      const [outcome, cause] = FAILURES[profile.reached as keyof typeof FAILURES];
      call.next = this.in(profile.ringSec, () => this.fail(id, outcome, cause));
      return;
    }
    call.next = this.in(profile.ringSec, () => this.answer(id, call, req.machineDetection));
  }

  connectToAgent(attemptId: AttemptId, agentId: AgentId): void {
    const call = this.calls.get(attemptId);
    if (!call || call.state !== 'answered') return;
    call.next?.cancel();
    call.state = 'connecting';
    call.agentId = agentId;
    this.agents.callConnecting(agentId);
    call.next = this.in(this.scenario.connectSec, () => {
      call.state = 'connected';
      this.emit({ type: 'call.connected', attemptId, agentId, at: this.time.now() });
      // The agent hangs up on a machine; a person ends the call when done.
      call.next = this.in(call.profile.talkSec * this.agentTimeScale(agentId), () => this.end(attemptId, call.machine ? 'agent' : 'customer'));
    });
  }

  /** Controls take effect after the PBX's moment; a number outside answers after a few seconds. */
  control(attemptId: AttemptId, agentId: AgentId, control: CallControl): void {
    const call = this.calls.get(attemptId);
    if (!call || call.state !== 'connected' || call.agentId !== agentId) return;
    const done = (target?: ControlTarget) => this.emit({ type: 'call.control', attemptId, agentId, control, at: this.time.now(), ...(target ? { target } : {}) });
    const reach = (to: ControlTarget) => ('number' in to ? THIRD_PARTY_ANSWER_SEC : CONTROL_SEC);
    switch (control.kind) {
      case 'hangup':
        return void this.in(CONTROL_SEC, () => {
          if (this.calls.get(attemptId) !== call) return;
          done();
          this.end(attemptId, 'agent');
        });
      case 'transfer':
        return void this.in(reach(control.to), () => this.calls.get(attemptId) === call && this.handOver(attemptId, call, control.to, done));
      case 'consult':
        call.consulting = control.to;
        return void this.in(reach(control.to), () => this.calls.get(attemptId) === call && done(control.to));
      case 'complete': {
        const to = call.consulting;
        call.consulting = undefined;
        return void this.in(CONTROL_SEC, () => to && this.calls.get(attemptId) === call && this.handOver(attemptId, call, to, done));
      }
      case 'cancel':
        call.consulting = undefined;
        return void this.in(CONTROL_SEC, () => this.calls.get(attemptId) === call && done());
      case 'conference':
        return void this.in(reach(control.to), () => this.calls.get(attemptId) === call && done(control.to));
      default:
        return void this.in(CONTROL_SEC, () => this.calls.get(attemptId) === call && done());
    }
  }

  /** The call leaves its agent for another agent, or for a number outside (the agent wraps up at once). */
  private handOver(attemptId: AttemptId, call: SimCall, to: ControlTarget, done: (target: ControlTarget) => void): void {
    const from = call.agentId!;
    if ('agentId' in to) {
      call.agentId = to.agentId;
      this.agents.callConnecting(to.agentId);
      this.agents.callMissed(from);
    } else {
      call.agentId = undefined;
      this.agents.callEnded(from, attemptId, call.profile.wrapUpSec);
    }
    done(to);
  }

  abandon(attemptId: AttemptId, _message: MediaUri): void {
    this.closeWith(attemptId, ABANDON_MESSAGE_SEC);
  }

  leaveMessage(attemptId: AttemptId, _message: readonly MediaUri[]): void {
    this.closeWith(attemptId, MACHINE_MESSAGE_SEC);
  }

  hangup(attemptId: AttemptId): void {
    if (this.calls.has(attemptId)) this.end(attemptId, 'system');
  }

  loginAgent(agentId: AgentId, _endpoint: string): void {
    this.time.after(AGENT_LEG_SETUP_SEC * 1000, () => this.emit({ type: 'agent.leg-up', agentId, at: this.time.now() }));
  }

  logoutAgent(_agentId: AgentId): void {}

  private answer(attemptId: AttemptId, call: SimCall, detection: boolean): void {
    const answeredAt = this.time.now();
    call.state = 'answered';
    const classify = () => {
      const isMachine = call.profile.reached === 'machine';
      const party = detection ? (isMachine !== call.profile.detectionErrs ? 'machine' : 'human') : 'human';
      this.emit({ type: 'call.answered', attemptId, at: this.time.now(), answeredAt, party });
      // A person left waiting hangs up when their patience runs out.
      if (this.calls.get(attemptId)?.state === 'answered' && !call.next) {
        call.next = this.in(call.profile.patienceSec, () => this.end(attemptId, 'customer'));
      }
    };
    call.next = undefined;
    if (detection) call.next = this.in(call.profile.decisionSec, () => { call.next = undefined; classify(); });
    else classify();
  }

  private closeWith(attemptId: AttemptId, seconds: number): void {
    const call = this.calls.get(attemptId);
    if (!call) return;
    call.next?.cancel();
    call.state = 'closing';
    call.next = this.in(seconds, () => this.end(attemptId, 'system'));
  }

  private fail(attemptId: AttemptId, outcome: FailedOutcome, cause: HangupCause): void {
    this.calls.delete(attemptId);
    this.emit({ type: 'call.failed', attemptId, at: this.time.now(), outcome, cause });
  }

  private end(attemptId: AttemptId, endedBy: EndedBy): void {
    const call = this.calls.get(attemptId);
    if (!call) return;
    call.next?.cancel();
    this.calls.delete(attemptId);
    if (call.agentId) {
      if (call.state === 'connected') this.agents.callEnded(call.agentId, attemptId, call.profile.wrapUpSec);
      else this.agents.callMissed(call.agentId);
    }
    this.emit({ type: 'call.ended', attemptId, at: this.time.now(), endedBy, cause: CAUSES.normal });
  }

  private in(seconds: number, task: () => void): TimerHandle {
    return this.time.after(seconds * 1000, task);
  }

  private emit(e: TelephonyEvent): void {
    this.listeners.emit(e);
  }
}
