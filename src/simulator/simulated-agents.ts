/**
 * Simulated agents at their desks: they log in over the first minutes, take
 * their breaks around the scheduled hours (asking for the pause while on a
 * call if need be, as real agents do), and finish each call's wrap-up with a
 * disposition after the call's wrap-up time.
 */
import type { AgentDesk, AgentDeskEvent, AgentDeskListener, CallbackRequest } from '../agents/desk.js';
import { AgentId, type AttemptId } from '../domain/ids.js';
import { HOUR, MINUTE, type EpochMs } from '../domain/time.js';
import { Random } from './random.js';
import type { Scenario } from './scenario.js';
import type { SimulatedTime } from './event-queue.js';
import { Listeners } from './listeners.js';

/** What an agent records at the end of a wrap-up: a disposition code and, for a callback, when. */
export interface WrapUpChoice {
  readonly disposition: string;
  readonly callback?: CallbackRequest;
}

export type ChooseDisposition = (agentId: AgentId, attemptId: AttemptId, at: EpochMs) => WrapUpChoice;

/** The pacing benchmark has no storage: one code that means nothing to it. */
const ALWAYS_COMPLETED: ChooseDisposition = () => ({ disposition: 'completed' });

interface DeskState {
  busy: boolean;
  breakPendingMin?: number;
}

export class SimulatedAgents implements AgentDesk {
  private readonly listeners = new Listeners<AgentDeskEvent>();
  private readonly desks = new Map<AgentId, DeskState>();

  constructor(
    private readonly time: SimulatedTime,
    private readonly scenario: Scenario,
    private readonly seed: number,
    private readonly choose: ChooseDisposition = ALWAYS_COMPLETED,
  ) {}

  subscribe(listener: AgentDeskListener): () => void {
    return this.listeners.subscribe(listener);
  }

  static agentId(i: number): AgentId {
    return AgentId(`agent${i + 1}`);
  }

  /** Plan the shift: logins and breaks. */
  planShift(shiftStart: EpochMs): void {
    const b = this.scenario.agentBehaviour;
    for (let i = 0; i < this.scenario.agents; i++) {
      const id = SimulatedAgents.agentId(i);
      const r = Random.stream(this.seed, 'agent', i);
      const loginAt = shiftStart + r.uniform(0, b.loginSpreadMin) * MINUTE;
      this.at(loginAt, () => {
        this.desks.set(id, { busy: false });
        this.emit({ type: 'agent.login', agentId: id, endpoint: `PJSIP/${id}`, at: this.time.now() });
      });
      for (const brk of b.breaks) {
        const breakAt = shiftStart + brk.atHour * HOUR + r.uniform(-brk.jitterMin, brk.jitterMin) * MINUTE;
        this.at(Math.max(loginAt + MINUTE, breakAt), () => this.startBreak(id, brk.minutes));
      }
    }
  }

  /** The telephony side tells the desk when its agent is put through to a call. */
  callConnecting(agentId: AgentId): void {
    const desk = this.desks.get(agentId);
    if (desk) desk.busy = true;
  }

  /** The call ended: wrap up for the call's wrap-up time, then disposition (and a break, if one is due). */
  callEnded(agentId: AgentId, attemptId: AttemptId, wrapUpSec: number): void {
    this.time.after(wrapUpSec * 1000, () => {
      const desk = this.desks.get(agentId);
      if (!desk) return;
      const at = this.time.now();
      this.emit({ type: 'agent.wrap-up-done', agentId, attemptId, ...this.choose(agentId, attemptId, at), at });
      desk.busy = false;
      if (desk.breakPendingMin !== undefined) {
        const minutes = desk.breakPendingMin;
        desk.breakPendingMin = undefined;
        this.resumeAfter(agentId, minutes);
      }
    });
  }

  /** The connect did not happen (the person hung up first): the agent is free again without wrap-up. */
  callMissed(agentId: AgentId): void {
    const desk = this.desks.get(agentId);
    if (desk) desk.busy = false;
  }

  private startBreak(agentId: AgentId, minutes: number): void {
    const desk = this.desks.get(agentId);
    if (!desk) return;
    this.emit({ type: 'agent.pause', agentId, reason: 'break', at: this.time.now() });
    if (desk.busy) desk.breakPendingMin = minutes;
    else this.resumeAfter(agentId, minutes);
  }

  private resumeAfter(agentId: AgentId, minutes: number): void {
    this.time.after(minutes * MINUTE, () => this.emit({ type: 'agent.resume', agentId, at: this.time.now() }));
  }

  private at(when: EpochMs, task: () => void): void {
    this.time.after(when - this.time.now(), task);
  }

  private emit(e: AgentDeskEvent): void {
    this.listeners.emit(e);
  }
}
